#include "ops/attention_full.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/gemm.h"

namespace clinote {

void attention_full_forward(const float* q, const float* k, const float* v, float* out, int64_t n_q, int64_t n_kv,
                            int n_head, int head_dim, float scale) {
    const int ld = n_head * head_dim;
    std::vector<float> scores(size_t(n_q * n_kv));
    for (int h = 0; h < n_head; h++) {
        const int64_t off = int64_t(h) * head_dim;
        gemm_f32(false, true, n_q, n_kv, head_dim, scale, q + off, ld, k + off, ld, 0.0f, scores.data(), n_kv);
#pragma omp parallel for schedule(static) if (n_q > 8)
        for (int64_t i = 0; i < n_q; i++) {
            float* row = &scores[size_t(i * n_kv)];
            const float max_score = *std::max_element(row, row + n_kv);
            float sum = 0.0f;
            for (int64_t j = 0; j < n_kv; j++) {
                row[j] = std::exp(row[j] - max_score);
                sum += row[j];
            }
            const float inv = 1.0f / sum;
            for (int64_t j = 0; j < n_kv; j++) row[j] *= inv;
        }
        gemm_f32(false, false, n_q, head_dim, n_kv, 1.0f, scores.data(), n_kv, v + off, ld, 0.0f, out + off, ld);
    }
}

}  // namespace clinote
