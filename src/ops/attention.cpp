#include "ops/attention.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "ops/dot.h"
#include "ops/parallel.h"

namespace clinote {

// exp(x) for x <= 0 as a branch-free loop the compiler vectorises (std::exp is a scalar
// call per element: a third of a decoded token at depth 512). exp(x) = 2^n * exp(f) with
// n = round(x / ln 2) (rounded by adding and subtracting 1.5 * 2^23, which
// vectorises where std::floor does not), |f| <= ln2 / 2, exp(f) by Cephes' expf polynomial; relative error
// about 2e-7. Inputs below -87 (exp < 2e-38, nothing next to the maximum's 1) are clamped.
static void exp_nonpositive_in_place(float* x, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i] < -87.0f ? -87.0f : x[i];
        const float k = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest: 1.5 * 2^23
        const float f = v - k * 0.693359375f + k * 2.12194440e-4f;
        float p = 1.9875691500e-4f;
        p = p * f + 1.3981999507e-3f;
        p = p * f + 8.3334519073e-3f;
        p = p * f + 4.1665795894e-2f;
        p = p * f + 1.6666665459e-1f;
        p = p * f + 5.0000001201e-1f;
        p = p * f * f + f + 1.0f;
        const int32_t scale_bits = (int32_t(k) + 127) << 23;
        x[i] = p * std::bit_cast<float>(scale_bits);
    }
}

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
