#include "ops/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace clinote {

void attention_forward(const attention_shape& s, const float* q, const float* k_cache, const float* v_cache,
                       float* out, int64_t n_tokens, int64_t pos0) {
    const int group = s.n_head / s.n_head_kv;
    const int64_t kv_stride = int64_t(s.n_head_kv) * s.head_dim;
#pragma omp parallel
    {
        std::vector<float> scores(size_t(pos0 + n_tokens));
#pragma omp for collapse(2) schedule(static)
        for (int64_t t = 0; t < n_tokens; t++) {
            for (int h = 0; h < s.n_head; h++) {
                const int64_t pos = pos0 + t;
                const int64_t first = s.window > 0 ? std::max<int64_t>(0, pos - s.window + 1) : 0;
                const float* qv = q + (t * s.n_head + h) * s.head_dim;
                const int kv_h = h / group;
                float max_score = -INFINITY;
                for (int64_t j = first; j <= pos; j++) {
                    const float* kv = k_cache + j * kv_stride + kv_h * s.head_dim;
                    float dot = 0.0f;
                    for (int d = 0; d < s.head_dim; d++) dot += qv[d] * kv[d];
                    scores[size_t(j)] = dot * s.scale;
                    max_score = std::max(max_score, scores[size_t(j)]);
                }
                float sum = 0.0f;
                for (int64_t j = first; j <= pos; j++) {
                    scores[size_t(j)] = std::exp(scores[size_t(j)] - max_score);
                    sum += scores[size_t(j)];
                }
                float* o = out + (t * s.n_head + h) * s.head_dim;
                std::fill(o, o + s.head_dim, 0.0f);
                for (int64_t j = first; j <= pos; j++) {
                    const float p = scores[size_t(j)] / sum;
                    const float* vv = v_cache + j * kv_stride + kv_h * s.head_dim;
                    for (int d = 0; d < s.head_dim; d++) o[d] += p * vv[d];
                }
            }
        }
    }
}

}  // namespace clinote
