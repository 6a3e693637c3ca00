#include "ops/attention_train.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/dot.h"

namespace clinote {

// Keys j in [first_key(i), i] are candidates for query i (token indices within a batch row).
static int64_t first_key(const attention_shape& s, int64_t i) {
    return s.window > 0 ? std::max<int64_t>(0, i - s.window + 1) : 0;
}

// Whether query token qi may attend key token kj <= qi of the same batch row (global indices).
static bool key_visible(const attention_mask& m, int64_t qi, int64_t kj) {
    if (m.valid && !(m.valid[qi] && m.valid[kj])) return false;
    return !m.segment || m.segment[qi] == m.segment[kj];
}

void attention_train_forward(const attention_shape& s, const attention_mask& mask, const float* q, const float* k,
                             const float* v, float* out, float* lse, int64_t n_batch, int64_t seq_len) {
    const int group = s.n_head / s.n_head_kv;
    const int64_t kv_stride = int64_t(s.n_head_kv) * s.head_dim, q_stride = int64_t(s.n_head) * s.head_dim;
#pragma omp parallel
    {
        std::vector<float> scores(static_cast<size_t>(seq_len));
#pragma omp for collapse(3) schedule(dynamic, 16)  // causal rows grow longer with i
        for (int64_t b = 0; b < n_batch; b++) {
            for (int64_t i = 0; i < seq_len; i++) {
                for (int h = 0; h < s.n_head; h++) {
                    const int64_t row0 = b * seq_len, qi = row0 + i;
                    const int kv_off = (h / group) * s.head_dim;
                    const float* qv = q + qi * q_stride + h * s.head_dim;
                    float* o = out + qi * q_stride + h * s.head_dim;
                    std::fill(o, o + s.head_dim, 0.0f);
                    float max_score = -INFINITY;
                    for (int64_t j = first_key(s, i); j <= i; j++) {
                        if (!key_visible(mask, qi, row0 + j)) continue;
                        scores[size_t(j)] = s.scale * dot_f32(qv, k + (row0 + j) * kv_stride + kv_off, s.head_dim);
                        max_score = std::max(max_score, scores[size_t(j)]);
                    }
                    if (max_score == -INFINITY) {  // sees no key: padding, or a segment that starts with padding
                        lse[qi * s.n_head + h] = -INFINITY;
                        continue;
                    }
                    float sum = 0.0f;
                    for (int64_t j = first_key(s, i); j <= i; j++) {
                        if (!key_visible(mask, qi, row0 + j)) continue;
                        scores[size_t(j)] = std::exp(scores[size_t(j)] - max_score);
                        sum += scores[size_t(j)];
                    }
                    for (int64_t j = first_key(s, i); j <= i; j++) {
                        if (!key_visible(mask, qi, row0 + j)) continue;
                        const float p = scores[size_t(j)] / sum;
                        const float* vv = v + (row0 + j) * kv_stride + kv_off;
                        for (int d = 0; d < s.head_dim; d++) o[d] += p * vv[d];
                    }
                    lse[qi * s.n_head + h] = max_score + std::log(sum);
                }
            }
        }
    }
}

// With P = softmax(S), O = P·V and dP = dO·Vᵀ: dS = P ∘ (dP - rowsum(dO ∘ O)), dQ = scale·dS·K,
// dK = scale·dSᵀ·Q, dV = Pᵀ·dO. P is recomputed one entry at a time from q, k and lse.
void attention_train_backward(const attention_shape& s, const attention_mask& mask, const float* q, const float* k,
                              const float* v, const float* out, const float* lse, const float* dout, float* dq,
                              float* dk, float* dv, int64_t n_batch, int64_t seq_len) {
    const int group = s.n_head / s.n_head_kv;
    const int64_t kv_stride = int64_t(s.n_head_kv) * s.head_dim, q_stride = int64_t(s.n_head) * s.head_dim;
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t b = 0; b < n_batch; b++) {
        for (int kv_h = 0; kv_h < s.n_head_kv; kv_h++) {
            const int64_t row0 = b * seq_len;
            const int kv_off = kv_h * s.head_dim;
            for (int h = kv_h * group; h < (kv_h + 1) * group; h++) {
                for (int64_t i = 0; i < seq_len; i++) {
                    const int64_t qi = row0 + i;
                    const float row_lse = lse[qi * s.n_head + h];
                    if (row_lse == -INFINITY) continue;
                    const int64_t q_off = qi * q_stride + h * s.head_dim;
                    const float* qv = q + q_off;
                    const float* dov = dout + q_off;
                    float* dqv = dq + q_off;
                    const float row_dot = dot_f32(dov, out + q_off, s.head_dim);
                    for (int64_t j = first_key(s, i); j <= i; j++) {
                        if (!key_visible(mask, qi, row0 + j)) continue;
                        const int64_t kv_at = (row0 + j) * kv_stride + kv_off;
                        const float p = std::exp(s.scale * dot_f32(qv, k + kv_at, s.head_dim) - row_lse);
                        const float ds = p * (dot_f32(dov, v + kv_at, s.head_dim) - row_dot) * s.scale;
                        for (int d = 0; d < s.head_dim; d++) {
                            dqv[d] += ds * k[kv_at + d];
                            dk[kv_at + d] += ds * qv[d];
                            dv[kv_at + d] += p * dov[d];
                        }
                    }
                }
            }
        }
    }
}

}  // namespace clinote
