#include "ops/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/half.h"
#include "ops/exp_vec.h"
#include "ops/parallel.h"
#include "ops/vec8.h"

namespace clinote {

namespace {

// Keys are scored in chunks of this many positions, each giving a partial softmax that is
// merged afterwards (as flash-decoding does). A decoded token then has several work items
// per KV head, so two threads share a model with three KV heads evenly. Chunks start at
// multiples of this, whatever the batch, so a token's result does not depend on how the
// text was split into batches.
constexpr int64_t key_chunk = 128;

inline float load1(const float* p) { return *p; }
inline float load1(const uint16_t* p) { return f16_to_f32(*p); }

// [a0+a1, a2+a3, b0+b1, b2+b3, a4+a5, a6+a7, b4+b5, b6+b7], as _mm256_hadd_ps.
inline f32x8 add_pairs(f32x8 a, f32x8 b) {
    return __builtin_shufflevector(a, b, 0, 2, 8, 10, 4, 6, 12, 14) +
           __builtin_shufflevector(a, b, 1, 3, 9, 11, 5, 7, 13, 15);
}

// Lane i of the result is the sum of the lanes of s[i]: eight dot products finished with
// seven vector adds instead of eight scalar reductions.
inline f32x8 sum_each(const f32x8 s[8]) {
    const f32x8 lo = add_pairs(add_pairs(s[0], s[1]), add_pairs(s[2], s[3]));
    const f32x8 hi = add_pairs(add_pairs(s[4], s[5]), add_pairs(s[6], s[7]));
    return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 8, 9, 10, 11) +
           __builtin_shufflevector(lo, hi, 4, 5, 6, 7, 12, 13, 14, 15);
}

inline float sum_lanes(f32x8 v) {
    float s = 0.0f;
    for (int i = 0; i < 8; i++) s += v[i];
    return s;
}

// scores[j] = scale · q·k_(lo + j) for j < n; rows of k are kv_stride apart.
template <typename T>
void score_keys(const float* q, const T* k, int64_t kv_stride, int hd, float scale, int64_t lo, int64_t n,
                float* scores) {
    const int hd8 = hd / 8 * 8;
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        const T* rows = k + (lo + j) * kv_stride;
        f32x8 acc[8] = {};
        for (int d = 0; d < hd8; d += 8) {
            const f32x8 qv = load8(q + d);
            for (int p = 0; p < 8; p++) acc[p] += qv * load8(rows + p * kv_stride + d);
        }
        f32x8 s = sum_each(acc);
        for (int d = hd8; d < hd; d++)
            for (int p = 0; p < 8; p++) s[p] += q[d] * load1(rows + p * kv_stride + d);
        s *= scale;
        store8(scores + j, s);
    }
    for (; j < n; j++) {
        const T* row = k + (lo + j) * kv_stride;
        f32x8 acc = {};
        for (int d = 0; d < hd8; d += 8) acc += load8(q + d) * load8(row + d);
        float s = sum_lanes(acc);
        for (int d = hd8; d < hd; d++) s += q[d] * load1(row + d);
        scores[j] = s * scale;
    }
}

// out[d] = Σ_j w[j] v_(lo + j)[d]. Sixty-four dimensions at a time stay in eight registers
// while the rows stream past.
template <typename T>
void weigh_values(const float* w, const T* v, int64_t kv_stride, int hd, int64_t lo, int64_t n, float* out) {
    int d = 0;
    for (; d + 64 <= hd; d += 64) {
        f32x8 acc[8] = {};
        for (int64_t j = 0; j < n; j++) {
            const T* row = v + (lo + j) * kv_stride + d;
            for (int i = 0; i < 8; i++) acc[i] += w[j] * load8(row + 8 * i);
        }
        std::memcpy(out + d, acc, sizeof acc);
    }
    for (; d + 8 <= hd; d += 8) {
        f32x8 acc = {};
        for (int64_t j = 0; j < n; j++) acc += w[j] * load8(v + (lo + j) * kv_stride + d);
        std::memcpy(out + d, &acc, sizeof acc);
    }
    for (; d < hd; d++) {
        float acc = 0.0f;
        for (int64_t j = 0; j < n; j++) acc += w[j] * load1(v + (lo + j) * kv_stride + d);
        out[d] = acc;
    }
}

// A partial softmax of one query head over one chunk: [max score, Σ exp(s - max),
// Σ exp(s - max) v (head_dim values)].
int64_t partial_floats(int hd) { return hd + 2; }

// The partials of a KV head's `group` query heads (qg, adjacent) over positions [lo, hi).
// scores: scratch of group * (hi - lo).
template <typename T>
void attend_chunk(const attention_shape& s, const float* qg, const T* k, const T* v, int64_t lo, int64_t hi,
                  float* scores, float* parts, int64_t part_stride) {
    const int group = s.n_head / s.n_head_kv, hd = s.head_dim;
    const int64_t kv_stride = int64_t(s.n_head_kv) * hd, n = hi - lo;
    for (int g = 0; g < group; g++) {
        float* sc = scores + g * n;
        score_keys(qg + g * hd, k, kv_stride, hd, s.scale, lo, n, sc);
        const softmax_parts sm = softmax_numerators_in_place(sc, n);
        float* part = parts + g * part_stride;
        part[0] = sm.max;
        part[1] = sm.sum;
        weigh_values(sc, v, kv_stride, hd, lo, n, part + 2);
    }
}

// out = Σ_c e^(m_c - M) o_c / Σ_c e^(m_c - M) l_c over n chunks' partials (c in order).
void merge_partials(const float* parts, int64_t n, int64_t stride, int hd, float* out) {
    float max_score = parts[0];
    for (int64_t c = 1; c < n; c++) max_score = std::max(max_score, parts[c * stride]);
    float denominator = 0.0f;
    std::fill(out, out + hd, 0.0f);
    for (int64_t c = 0; c < n; c++) {
        const float* p = parts + c * stride;
        const float w = std::exp(p[0] - max_score);
        denominator += w * p[1];
        for (int d = 0; d < hd; d++) out[d] += w * p[2 + d];
    }
    const float inv = 1.0f / denominator;
    for (int d = 0; d < hd; d++) out[d] *= inv;
}

// The chunks a query at pos attends to: first_chunk .. last_chunk.
struct chunk_range {
    int64_t first_pos, first_chunk, last_chunk;
};

chunk_range chunks_of(const attention_shape& s, int64_t pos) {
    const int64_t first = s.window > 0 ? std::max<int64_t>(0, pos - s.window + 1) : 0;
    return {first, first / key_chunk, pos / key_chunk};
}

template <typename T>
void attention_forward_typed(const attention_shape& s, const float* q, const T* k_cache, const T* v_cache, float* out,
                             int64_t n_tokens, int64_t pos0) {
    const int group = s.n_head / s.n_head_kv, hd = s.head_dim;
    const int64_t stride = partial_floats(hd);
    thread_pool& pool = ops_thread_pool();
    auto chunk_bounds = [&](int64_t pos, int64_t c) {
        const chunk_range r = chunks_of(s, pos);
        return std::pair{std::max(r.first_pos, c * key_chunk), std::min(pos + 1, (c + 1) * key_chunk)};
    };
    auto query = [&](int64_t t, int kv_h) { return q + (t * s.n_head + int64_t(kv_h) * group) * hd; };
    auto kv_at = [&](const T* cache, int kv_h) { return cache + int64_t(kv_h) * hd; };

    if (n_tokens * s.n_head_kv >= 4 * int64_t(pool.size())) {
        // Enough (token, KV head) items for every thread: each item does all its chunks.
        pool.run(n_tokens * s.n_head_kv, 1, [&](int64_t i0, int64_t i1) {
            std::vector<float> scores(size_t(group * key_chunk)), parts;
            for (int64_t item = i0; item < i1; item++) {
                const int64_t t = item / s.n_head_kv, pos = pos0 + t;
                const int kv_h = int(item % s.n_head_kv);
                const chunk_range r = chunks_of(s, pos);
                const int64_t n_chunks = r.last_chunk - r.first_chunk + 1;
                parts.resize(size_t(n_chunks * group * stride));  // [group][chunk]
                for (int64_t c = 0; c < n_chunks; c++) {
                    const auto [lo, hi] = chunk_bounds(pos, r.first_chunk + c);
                    attend_chunk(s, query(t, kv_h), kv_at(k_cache, kv_h), kv_at(v_cache, kv_h), lo, hi,
                                 scores.data(), parts.data() + c * stride, n_chunks * stride);
                }
                for (int g = 0; g < group; g++)
                    merge_partials(parts.data() + g * n_chunks * stride, n_chunks, stride, hd,
                                   out + (t * s.n_head + int64_t(kv_h) * group + g) * hd);
            }
        });
        return;
    }
    // Few tokens (decoding): one item per (token, KV head, chunk), merged afterwards.
    const int64_t max_chunks = (pos0 + n_tokens - 1) / key_chunk + 1;
    std::vector<float> parts(size_t(n_tokens * s.n_head * max_chunks * stride));  // [token][head][chunk]
    pool.run(n_tokens * s.n_head_kv * max_chunks, 1, [&](int64_t i0, int64_t i1) {
        std::vector<float> scores(size_t(group * key_chunk));
        for (int64_t item = i0; item < i1; item++) {
            const int64_t c = item % max_chunks, t = item / max_chunks / s.n_head_kv, pos = pos0 + t;
            const int kv_h = int(item / max_chunks % s.n_head_kv);
            const chunk_range r = chunks_of(s, pos);
            if (c < r.first_chunk || c > r.last_chunk) continue;
            const auto [lo, hi] = chunk_bounds(pos, c);
            float* p = parts.data() + ((t * s.n_head + int64_t(kv_h) * group) * max_chunks + c - r.first_chunk) * stride;
            attend_chunk(s, query(t, kv_h), kv_at(k_cache, kv_h), kv_at(v_cache, kv_h), lo, hi, scores.data(), p,
                         max_chunks * stride);
        }
    });
    for (int64_t t = 0; t < n_tokens; t++) {
        const chunk_range r = chunks_of(s, pos0 + t);
        for (int h = 0; h < s.n_head; h++)
            merge_partials(parts.data() + (t * s.n_head + h) * max_chunks * stride, r.last_chunk - r.first_chunk + 1,
                           stride, hd, out + (t * s.n_head + h) * hd);
    }
}

}  // namespace

void attention_forward(const attention_shape& s, const float* q, const kv_cache_view& kv, float* out,
                       int64_t n_tokens, int64_t pos0) {
    if (kv.type == kv_type::f16)
        return attention_forward_typed(s, q, static_cast<const uint16_t*>(kv.k), static_cast<const uint16_t*>(kv.v),
                                       out, n_tokens, pos0);
    attention_forward_typed(s, q, static_cast<const float*>(kv.k), static_cast<const float*>(kv.v), out, n_tokens,
                            pos0);
}

}  // namespace clinote
