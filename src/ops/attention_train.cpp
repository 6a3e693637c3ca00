#include "ops/attention_train.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/dot.h"
#include "ops/exp_vec.h"
#include "ops/gemm.h"
#include "ops/parallel.h"

namespace clinote {

// Queries go in tiles of this many: a tile's scores against every key it may see are one
// matrix product (OpenBLAS kernels instead of a 64-long dot per (query, key) pair), and its
// 64 × seq_len scores stay in L2 for the softmax and the products that follow.
constexpr int64_t query_tile = 64;

// Keys j in [first_key(i), i] are candidates for query i (token indices within a batch row).
static int64_t first_key(const attention_shape& s, int64_t i) {
    return s.window > 0 ? std::max<int64_t>(0, i - s.window + 1) : 0;
}

// Whether query token qi may attend key token kj <= qi of the same batch row (global indices).
static bool key_visible(const attention_mask& m, int64_t qi, int64_t kj) {
    if (m.valid && !(m.valid[qi] && m.valid[kj])) return false;
    return !m.segment || m.segment[qi] == m.segment[kj];
}

// Queries [i0, i1) of the batch row starting at global token row0, against keys [k0, i1):
// from the first key its first query may see to its last query.
struct query_tile_span {
    int64_t row0, i0, i1, k0;
    int64_t n_query() const { return i1 - i0; }
    int64_t n_key() const { return i1 - k0; }
};

static query_tile_span query_tile_at(const attention_shape& s, int64_t row0, int64_t i0, int64_t seq_len) {
    return {row0, i0, std::min(seq_len, i0 + query_tile), first_key(s, i0)};
}

// Row r of a tile's scores (query t.i0 + r against keys t.k0 ...) with the keys it may not
// see set to -inf; [lo, hi] are the columns that can hold a visible key.
static void scores_mask_row(const attention_shape& s, const attention_mask& mask, const query_tile_span& t, int64_t r,
                            float* row, int64_t& lo, int64_t& hi) {
    const int64_t i = t.i0 + r, qi = t.row0 + i;
    lo = first_key(s, i) - t.k0;
    hi = i - t.k0;
    if (!mask.valid && !mask.segment) return;
    for (int64_t c = lo; c <= hi; c++)
        if (!key_visible(mask, qi, t.row0 + t.k0 + c)) row[c] = -INFINITY;
}

// Zeroes a row's columns outside [lo, hi]: keys before its query's window or after the query.
static void scores_zero_outside(float* row, int64_t n, int64_t lo, int64_t hi) {
    std::fill(row, row + lo, 0.0f);
    std::fill(row + hi + 1, row + n, 0.0f);
}

void attention_train_forward(const attention_shape& s, const attention_mask& mask, const float* q, const float* k,
                             const float* v, float* out, float* lse, int64_t n_batch, int64_t seq_len) {
    const int group = s.n_head / s.n_head_kv, hd = s.head_dim;
    const int64_t kv_stride = int64_t(s.n_head_kv) * hd, q_stride = int64_t(s.n_head) * hd;
    ops_thread_pool().run(n_batch * s.n_head, 1, [&](int64_t task0, int64_t task1) {
        std::vector<float> p(size_t(query_tile * seq_len));
        for (int64_t task = task0; task < task1; task++) {
            const int64_t row0 = (task / s.n_head) * seq_len;
            const int h = int(task % s.n_head);
            const int64_t q_off = h * hd, kv_off = (h / group) * hd;
            for (int64_t i0 = 0; i0 < seq_len; i0 += query_tile) {
                const query_tile_span t = query_tile_at(s, row0, i0, seq_len);
                const int64_t nk = t.n_key();
                gemm_f32_serial(false, true, t.n_query(), nk, hd, s.scale, q + (row0 + t.i0) * q_stride + q_off,
                                q_stride, k + (row0 + t.k0) * kv_stride + kv_off, kv_stride, 0.0f, p.data(), nk);
                for (int64_t r = 0; r < t.n_query(); r++) {
                    float* row = p.data() + r * nk;
                    int64_t lo = 0, hi = 0;
                    scores_mask_row(s, mask, t, r, row, lo, hi);
                    const softmax_parts sm = softmax_numerators_in_place(row + lo, hi - lo + 1);
                    float& row_lse = lse[(row0 + t.i0 + r) * s.n_head + h];
                    scores_zero_outside(row, nk, lo, hi);
                    if (sm.max == -INFINITY) {  // sees no key: padding, or a segment that starts with padding
                        std::fill(row + lo, row + hi + 1, 0.0f);
                        row_lse = -INFINITY;
                        continue;
                    }
                    const float inv_sum = 1.0f / sm.sum;
                    for (int64_t c = lo; c <= hi; c++) row[c] *= inv_sum;
                    row_lse = sm.max + std::log(sm.sum);
                }
                gemm_f32_serial(false, false, t.n_query(), hd, nk, 1.0f, p.data(), nk,
                                v + (row0 + t.k0) * kv_stride + kv_off, kv_stride, 0.0f,
                                out + (row0 + t.i0) * q_stride + q_off, q_stride);
            }
        }
    });
}

// With P = softmax(S), O = P·V and dP = dO·Vᵀ: dS = P ∘ (dP - rowsum(dO ∘ O)), dQ = scale·dS·K,
// dK = scale·dSᵀ·Q, dV = Pᵀ·dO. P is recomputed a query tile at a time from q, k and lse.
void attention_train_backward(const attention_shape& s, const attention_mask& mask, const float* q, const float* k,
                              const float* v, const float* out, const float* lse, const float* dout, float* dq,
                              float* dk, float* dv, int64_t n_batch, int64_t seq_len) {
    const int group = s.n_head / s.n_head_kv, hd = s.head_dim;
    const int64_t kv_stride = int64_t(s.n_head_kv) * hd, q_stride = int64_t(s.n_head) * hd;
    ops_thread_pool().run(n_batch * s.n_head_kv, 1, [&](int64_t task0, int64_t task1) {
        std::vector<float> p(size_t(query_tile * seq_len)), ds(p.size());
        for (int64_t task = task0; task < task1; task++) {
            const int64_t row0 = (task / s.n_head_kv) * seq_len;
            const int kv_h = int(task % s.n_head_kv);
            const int64_t kv_off = kv_h * hd;
            for (int h = kv_h * group; h < (kv_h + 1) * group; h++) {
                const int64_t q_off = h * hd;
                for (int64_t i0 = 0; i0 < seq_len; i0 += query_tile) {
                    const query_tile_span t = query_tile_at(s, row0, i0, seq_len);
                    const int64_t nq = t.n_query(), nk = t.n_key();
                    const float* q_t = q + (row0 + t.i0) * q_stride + q_off;
                    const float* dout_t = dout + (row0 + t.i0) * q_stride + q_off;
                    const float* k_t = k + (row0 + t.k0) * kv_stride + kv_off;
                    const float* v_t = v + (row0 + t.k0) * kv_stride + kv_off;
                    gemm_f32_serial(false, true, nq, nk, hd, s.scale, q_t, q_stride, k_t, kv_stride, 0.0f, p.data(), nk);
                    gemm_f32_serial(false, true, nq, nk, hd, 1.0f, dout_t, q_stride, v_t, kv_stride, 0.0f, ds.data(), nk);
                    for (int64_t r = 0; r < nq; r++) {
                        float* p_row = p.data() + r * nk;
                        float* ds_row = ds.data() + r * nk;
                        const int64_t qi = row0 + t.i0 + r;
                        const float row_lse = lse[qi * s.n_head + h];
                        if (row_lse == -INFINITY) {
                            std::fill(p_row, p_row + nk, 0.0f);
                            std::fill(ds_row, ds_row + nk, 0.0f);
                            continue;
                        }
                        int64_t lo = 0, hi = 0;
                        scores_mask_row(s, mask, t, r, p_row, lo, hi);
                        for (int64_t c = lo; c <= hi; c++) p_row[c] -= row_lse;
                        exp_nonpositive_in_place(p_row + lo, hi - lo + 1);  // -inf (masked) gives 0
                        scores_zero_outside(p_row, nk, lo, hi);
                        const float row_dot = dot_f32(dout_t + r * q_stride, out + qi * q_stride + q_off, hd);
                        for (int64_t c = 0; c < nk; c++) ds_row[c] = p_row[c] * (ds_row[c] - row_dot) * s.scale;
                    }
                    gemm_f32_serial(true, false, nk, hd, nq, 1.0f, p.data(), nk, dout_t, q_stride, 1.0f,
                                    dv + (row0 + t.k0) * kv_stride + kv_off, kv_stride);
                    gemm_f32_serial(false, false, nq, hd, nk, 1.0f, ds.data(), nk, k_t, kv_stride, 1.0f,
                                    dq + (row0 + t.i0) * q_stride + q_off, q_stride);
                    gemm_f32_serial(true, false, nk, hd, nq, 1.0f, ds.data(), nk, q_t, q_stride, 1.0f,
                                    dk + (row0 + t.k0) * kv_stride + kv_off, kv_stride);
                }
            }
        }
    });
}

}  // namespace clinote
