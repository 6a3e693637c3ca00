// The x86 SIMD dot kernels, written once and compiled twice: vec_dot_avx2.cpp and
// vec_dot_avx512.cpp include this file after defining
//   CLINOTE_SIMD_TARGET  a function attribute naming the instruction sets (target("..."));
//   CLINOTE_SIMD_VNNI    1 to multiply-add bytes with VPDPBUSD (AVX-512 VNNI), 0 for
//                        VPMADDUBSW + VPMADDWD (AVX2);
//   CLINOTE_SIMD_TABLE   the name of the table function the file exports.
// Everything here is in an anonymous namespace and carries the target attribute, so no
// inline function compiled for AVX-512 can be merged by the linker into the scalar path.
//
// The 32-value block types keep eight float partial sums per row (vector FMA across
// blocks), so their results differ from the scalar path's by float rounding only. The
// K-quants sum each 256-value super-block in integers and combine it exactly as the scalar
// path does, so their results are bit-identical to it.
#include <immintrin.h>

#include <cstring>
#include <type_traits>

#include "quant/block_layouts.h"
#include "quant/vec_dot_paths.h"

namespace clinote {
namespace {

#define KFN CLINOTE_SIMD_TARGET inline

KFN float f16_at(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

KFN __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Eight int32 sums, each of four products of unsigned bytes u with signed bytes s.
KFN __m256i dot_u8_s8(__m256i u, __m256i s) {
#if CLINOTE_SIMD_VNNI
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
    // VPMADDUBSW saturates a pair of products at int16: 2 · 128 · 127 still fits, and no
    // caller passes u > 128 (|Q8_0 code|, 2- to 6-bit codes).
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

KFN float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

KFN int32_t hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

// 16 bytes of packed nibbles -> 32 bytes: low nibbles (values 0-15), then high (16-31).
KFN __m256i nibbles(const uint8_t* p) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(b, 4), b), _mm256_set1_epi8(15));
}

// 32 bits (4 bytes at p, little-endian) -> 32 bytes: 16 where bit j is set, else 0 (the
// fifth bit of Q5_0 / Q5_1 codes). Each 128-bit lane broadcasts byte j / 8 to the eight
// bytes j, then keeps the bit j % 8 of its own.
KFN __m256i fifth_bits(const uint8_t* p) {
    uint32_t h;
    std::memcpy(&h, p, 4);
    const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,  //
                                            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x(0x8040201008040201);
    const __m256i bytes = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32(int32_t(h)), spread), bit);
    return _mm256_and_si256(_mm256_cmpeq_epi8(bytes, bit), _mm256_set1_epi8(16));
}

// --- Q8_0, Q4_0, Q4_1, Q5_0, Q5_1: 32-value blocks -------------------------------------

template <dtype W>
constexpr size_t w32_bytes = W == dtype::q8_0   ? sizeof(block_q8_0)
                             : W == dtype::q4_0 ? sizeof(block_q4_0)
                             : W == dtype::q4_1 ? sizeof(block_q4_1)
                             : W == dtype::q5_0 ? sizeof(block_q5_0)
                                                : sizeof(block_q5_1);
template <dtype W>
constexpr bool w32_has_min = W == dtype::q4_1 || W == dtype::q5_1;  // f16 minimum after the scale
template <dtype W>
constexpr bool w32_signed = !w32_has_min<W>;

// The block's 32 codes: signed for Q8_0, Q4_0 (nibble - 8) and Q5_0 (5 bits - 16), unsigned
// for Q4_1 and Q5_1.
template <dtype W>
KFN __m256i w32_codes(const uint8_t* b) {
    if constexpr (W == dtype::q8_0) return load256(b + 2);
    else if constexpr (W == dtype::q4_0) return _mm256_sub_epi8(nibbles(b + 2), _mm256_set1_epi8(8));
    else if constexpr (W == dtype::q4_1) return nibbles(b + 4);
    else if constexpr (W == dtype::q5_0)
        return _mm256_sub_epi8(_mm256_or_si256(nibbles(b + 6), fifth_bits(b + 2)), _mm256_set1_epi8(16));
    else return _mm256_or_si256(nibbles(b + 8), fifth_bits(b + 4));
}

// One weight row against T activation rows: the weight block is decoded once per T.
template <dtype W, int T>
KFN void dot32_tile(int64_t nb, const uint8_t* w, const block_q8_32* const* x, float* out) {
    __m256 acc[T];
    float acc_min[T];
    for (int t = 0; t < T; t++) {
        acc[t] = _mm256_setzero_ps();
        acc_min[t] = 0.0f;
    }
    for (int64_t i = 0; i < nb; i++) {
        const uint8_t* b = w + size_t(i) * w32_bytes<W>;
        const float d = f16_at(b);
        const __m256i q = w32_codes<W>(b);
        // VPMADDUBSW/VPDPBUSD take one unsigned operand: |w| and x with w's sign moved onto it.
        const __m256i q_abs = w32_signed<W> ? _mm256_sign_epi8(q, q) : q;
        for (int t = 0; t < T; t++) {
            const block_q8_32& a = x[t][i];
            const __m256i xa = load256(a.qs);
            const __m256i p = dot_u8_s8(q_abs, w32_signed<W> ? _mm256_sign_epi8(xa, q) : xa);
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * a.d), _mm256_cvtepi32_ps(p), acc[t]);
            if constexpr (w32_has_min<W>) acc_min[t] += f16_at(b + 2) * a.s;
        }
    }
    for (int t = 0; t < T; t++) out[t] = hsum_ps(acc[t]) + acc_min[t];
}

template <dtype W>
KFN float dot32(int64_t n, const void* w, const void* xq) {
    const block_q8_32* x[1] = {static_cast<const block_q8_32*>(xq)};
    float r;
    dot32_tile<W, 1>(n / 32, static_cast<const uint8_t*>(w), x, &r);
    return r;
}

template <dtype W>
KFN void dot32_tokens(int64_t n, const void* w, const void* xq, size_t xq_stride, int64_t n_tok, float* out,
                      int64_t out_stride) {
    constexpr int tile = 4;
    const auto* wb = static_cast<const uint8_t*>(w);
    const auto row = [xq, xq_stride](int64_t t) {
        return reinterpret_cast<const block_q8_32*>(static_cast<const uint8_t*>(xq) + size_t(t) * xq_stride);
    };
    int64_t t = 0;
    for (; t + tile <= n_tok; t += tile) {
        const block_q8_32* x[tile] = {row(t), row(t + 1), row(t + 2), row(t + 3)};
        float r[tile];
        dot32_tile<W, tile>(n / 32, wb, x, r);
        for (int k = 0; k < tile; k++) out[(t + k) * out_stride] = r[k];
    }
    for (; t < n_tok; t++) {
        const block_q8_32* x[1] = {row(t)};
        dot32_tile<W, 1>(n / 32, wb, x, &out[t * out_stride]);
    }
}

// --- K-quants: 256-value super-blocks --------------------------------------------------

// Q4_K and Q5_K: eight sub-blocks of 32 values with 6-bit scales and minimums.
template <dtype W>
KFN float dot_scale_min_k(int64_t n, const void* w, const void* xq) {
    using block = std::conditional_t<W == dtype::q4_k, block_q4_k, block_q5_k>;
    const auto* x = static_cast<const block_q8_256*>(xq);
    const auto* wb = static_cast<const uint8_t*>(w);
    const __m256i m4 = _mm256_set1_epi8(15), one = _mm256_set1_epi8(1);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        const uint8_t* b = wb + size_t(i) * sizeof(block);
        const uint8_t* packed = b + offsetof(block, scales);
        const uint8_t* qs = b + offsetof(block, qs);
        // Q5_K: bit j of each qh byte is the fifth bit of sub-block j; shifted down one
        // sub-block at a time (16-bit shifts: bit 0 of a byte only ever comes from that byte).
        __m256i h = _mm256_setzero_si256();
        if constexpr (W == dtype::q5_k) h = load256(b + offsetof(block_q5_k, qh));
        __m256i acc = _mm256_setzero_si256();
        int32_t summ = 0;
        for (int p = 0; p < 4; p++) {  // 32 bytes: sub-block 2p in low nibbles, 2p + 1 in high
            int32_t sc_lo, m_lo, sc_hi, m_hi;
            k_scale_min(packed, 2 * p, &sc_lo, &m_lo);
            k_scale_min(packed, 2 * p + 1, &sc_hi, &m_hi);
            const __m256i raw = load256(qs + 32 * p);
            __m256i q_lo = _mm256_and_si256(raw, m4), q_hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
            if constexpr (W == dtype::q5_k) {
                q_lo = _mm256_or_si256(q_lo, _mm256_slli_epi16(_mm256_and_si256(h, one), 4));
                q_hi = _mm256_or_si256(q_hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 1), one), 4));
                h = _mm256_srli_epi16(h, 2);
            }
            const __m256i lo = dot_u8_s8(q_lo, load256(x[i].qs + 64 * p));
            const __m256i hi = dot_u8_s8(q_hi, load256(x[i].qs + 64 * p + 32));
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(lo, _mm256_set1_epi32(sc_lo)));
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(hi, _mm256_set1_epi32(sc_hi)));
            summ += m_lo * (x[i].bsums[4 * p] + x[i].bsums[4 * p + 1]) + m_hi * (x[i].bsums[4 * p + 2] + x[i].bsums[4 * p + 3]);
        }
        const int32_t sumi = hsum_epi32(acc);
        sum += f16_at(b) * x[i].d * float(sumi) - f16_at(b + 2) * x[i].d * float(summ);
    }
    return sum;
}

// Q2_K and Q3_K: 16-value groups, each scale[g] × Σ code x, the codes 2-bit fields of qs
// (plus, for Q3_K, a third bit from hmask) taken as unsigned. Each 32 codes span groups g
// (int32 lanes 0-3 of the product) and g + 1 (lanes 4-7).
template <dtype W>
KFN float dot_small_k(int64_t n, const void* w, const void* xq) {
    using block = std::conditional_t<W == dtype::q2_k, block_q2_k, block_q3_k>;
    const auto* x = static_cast<const block_q8_256*>(xq);
    const auto* wb = static_cast<const uint8_t*>(w);
    const __m256i m3 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        const uint8_t* b = wb + size_t(i) * sizeof(block);
        const uint8_t* packed = b + offsetof(block, scales);
        // Q2_K: Σ minimum × Σ x, subtracted at the end with dmin. Q3_K: the codes summed are
        // q + 4 (0-7), so Σ q x = Σ (q + 4) x - 4 Σ x per group.
        int32_t scale[16], correction = 0;
        for (int g = 0; g < 16; g++) {
            if constexpr (W == dtype::q2_k) {
                scale[g] = packed[g] & 15;
                correction += (packed[g] >> 4) * x[i].bsums[g];
            } else {
                scale[g] = q3_k_scale(packed, g);
                correction += 4 * scale[g] * x[i].bsums[g];
            }
        }
        __m256i h = _mm256_setzero_si256();
        if constexpr (W == dtype::q3_k) h = load256(b + offsetof(block_q3_k, hmask));
        __m256i acc = _mm256_setzero_si256();
        for (int half = 0; half < 2; half++) {
            __m256i raw = load256(b + offsetof(block, qs) + 32 * half);
            for (int s = 0; s < 4; s++) {  // field s of each byte: values 128 half + 32 s + k
                __m256i q = _mm256_and_si256(raw, m3);
                raw = _mm256_srli_epi16(raw, 2);
                if constexpr (W == dtype::q3_k) {  // hmask bit 4 half + s, shifted down one at a time
                    q = _mm256_or_si256(q, _mm256_slli_epi16(_mm256_and_si256(h, one), 2));
                    h = _mm256_srli_epi16(h, 1);
                }
                const int g = 8 * half + 2 * s;
                const __m256i p = dot_u8_s8(q, load256(x[i].qs + 128 * half + 32 * s));
                acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(p, _mm256_set_m128i(_mm_set1_epi32(scale[g + 1]),
                                                                                   _mm_set1_epi32(scale[g]))));
            }
        }
        const int32_t sumi = hsum_epi32(acc);
        if constexpr (W == dtype::q2_k)
            sum += f16_at(b + offsetof(block_q2_k, d)) * x[i].d * float(sumi) -
                   f16_at(b + offsetof(block_q2_k, dmin)) * x[i].d * float(correction);
        else
            sum += f16_at(b + offsetof(block_q3_k, d)) * x[i].d * float(sumi - correction);
    }
    return sum;
}

KFN float dot_q6_k(int64_t n, const void* w, const void* xq) {
    const auto* x = static_cast<const block_q8_256*>(xq);
    const auto* wb = static_cast<const uint8_t*>(w);
    const __m256i m4 = _mm256_set1_epi8(15), m2 = _mm256_set1_epi8(3);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        const uint8_t* b = wb + size_t(i) * sizeof(block_q6_k);
        const auto* scales = reinterpret_cast<const int8_t*>(b + offsetof(block_q6_k, scales));
        __m256i acc = _mm256_setzero_si256();
        for (int half = 0; half < 2; half++) {
            // 128 values: ql holds low nibbles of values 0-63 and high nibbles of 64-127,
            // qh two bits of each, for values r, r+32, r+64, r+96 in one byte.
            const uint8_t* ql = b + offsetof(block_q6_k, ql) + 64 * half;
            const __m256i l0 = load256(ql), l1 = load256(ql + 32);
            const __m256i h = load256(b + offsetof(block_q6_k, qh) + 32 * half);
            const __m256i q[4] = {
                _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(h, m2), 4)),
                _mm256_or_si256(_mm256_and_si256(l1, m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m2), 4)),
            };
            for (int k = 0; k < 4; k++) {
                const int g = 8 * half + 2 * k;  // 16-value groups g (int32 lanes 0-3) and g + 1 (lanes 4-7)
                const __m256i p = dot_u8_s8(q[k], load256(x[i].qs + 128 * half + 32 * k));
                const __m256i sc = _mm256_set_m128i(_mm_set1_epi32(scales[g + 1]), _mm_set1_epi32(scales[g]));
                acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(p, sc));
            }
        }
        // The codes are stored as q + 32: Σ (q - 32) x = Σ q x - 32 Σ x, per scale group.
        int32_t offset = 0;
        for (int g = 0; g < 16; g++) offset += int32_t(scales[g]) * x[i].bsums[g];
        const int32_t sumi = hsum_epi32(acc) - 32 * offset;
        sum += f16_at(b + offsetof(block_q6_k, d)) * x[i].d * float(sumi);
    }
    return sum;
}

template <float (*dot)(int64_t, const void*, const void*)>
KFN void dot_tokens_each(int64_t n, const void* w, const void* xq, size_t xq_stride, int64_t n_tok, float* out,
                         int64_t out_stride) {
    for (int64_t t = 0; t < n_tok; t++)
        out[t * out_stride] = dot(n, w, static_cast<const uint8_t*>(xq) + size_t(t) * xq_stride);
}

template <dtype W>
constexpr vec_dot_kernels kernels_32 = {32, sizeof(block_q8_32), quantize_act_q8_32, dot32<W>, dot32_tokens<W>};
template <float (*dot)(int64_t, const void*, const void*)>
constexpr vec_dot_kernels kernels_256 = {256, sizeof(block_q8_256), quantize_act_q8_256, dot, dot_tokens_each<dot>};

#undef KFN

}  // namespace

const vec_dot_kernels* CLINOTE_SIMD_TABLE(dtype weight) {
    switch (weight) {
        case dtype::q8_0: return &kernels_32<dtype::q8_0>;
        case dtype::q4_0: return &kernels_32<dtype::q4_0>;
        case dtype::q4_1: return &kernels_32<dtype::q4_1>;
        case dtype::q5_0: return &kernels_32<dtype::q5_0>;
        case dtype::q5_1: return &kernels_32<dtype::q5_1>;
        case dtype::q2_k: return &kernels_256<dot_small_k<dtype::q2_k>>;
        case dtype::q3_k: return &kernels_256<dot_small_k<dtype::q3_k>>;
        case dtype::q4_k: return &kernels_256<dot_scale_min_k<dtype::q4_k>>;
        case dtype::q5_k: return &kernels_256<dot_scale_min_k<dtype::q5_k>>;
        case dtype::q6_k: return &kernels_256<dot_q6_k>;
        default: return nullptr;
    }
}

}  // namespace clinote
