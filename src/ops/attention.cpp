#include "ops/attention.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "ops/dot.h"
#include "ops/exp_vec.h"
#include "ops/parallel.h"

namespace clinote {

// One work item is one query token and one KV head: the `group` query heads that share
// the KV head are scored together, so each cached key and value row is read once per
// token, not once per query head. Items run on the persistent pool.
void attention_forward(const attention_shape& s, const float* q, const float* k_cache, const float* v_cache,
                       float* out, int64_t n_tokens, int64_t pos0) {
    const int group = s.n_head / s.n_head_kv;
    const int hd = s.head_dim;
    const int64_t kv_stride = int64_t(s.n_head_kv) * hd;
    ops_thread_pool().run(n_tokens * s.n_head_kv, 1, [&](int64_t i0, int64_t i1) {
        std::vector<float> scores;  // [group][positions]
        for (int64_t item = i0; item < i1; item++) {
            const int64_t t = item / s.n_head_kv;
            const int kv_h = int(item % s.n_head_kv);
            const int64_t pos = pos0 + t;
            const int64_t first = s.window > 0 ? std::max<int64_t>(0, pos - s.window + 1) : 0;
            const int64_t n_pos = pos - first + 1;
            scores.resize(size_t(group * n_pos));
            const float* qg = q + (t * s.n_head + int64_t(kv_h) * group) * hd;  // the group's query heads, adjacent
            for (int64_t j = 0; j < n_pos; j++) {
                const float* kv = k_cache + (first + j) * kv_stride + kv_h * hd;
                for (int g = 0; g < group; g++) {
                    scores[size_t(g * n_pos + j)] = dot_f32(qg + g * hd, kv, hd) * s.scale;
                }
            }
            float* og = out + (t * s.n_head + int64_t(kv_h) * group) * hd;
            std::fill(og, og + group * hd, 0.0f);
            for (int g = 0; g < group; g++) {
                float* sc = scores.data() + g * n_pos;
                const float max_score = *std::max_element(sc, sc + n_pos);
                for (int64_t j = 0; j < n_pos; j++) sc[j] -= max_score;
                exp_nonpositive_in_place(sc, n_pos);
                float sum = 0.0f;
                for (int64_t j = 0; j < n_pos; j++) sum += sc[j];
                const float inv_sum = 1.0f / sum;
                for (int64_t j = 0; j < n_pos; j++) sc[j] *= inv_sum;
            }
            for (int64_t j = 0; j < n_pos; j++) {
                const float* vv = v_cache + (first + j) * kv_stride + kv_h * hd;
                for (int g = 0; g < group; g++) {
                    const float p = scores[size_t(g * n_pos + j)];
                    float* o = og + g * hd;
                    for (int d = 0; d < hd; d++) o[d] += p * vv[d];
                }
            }
        }
    });
}

}  // namespace clinote
