// The reference path: activation quantisers (used by every path) and plain C++ dot
// products, which the SIMD paths are tested against.
#include <cmath>
#include <cstring>

#include "core/half.h"
#include "quant/block_layouts.h"
#include "quant/vec_dot_paths.h"

namespace clinote {

namespace {

// Symmetric 8-bit codes of one block: d = max|x| / 127. Rounding is to nearest, ties to
// even (std::nearbyint in the default rounding mode), which is what SIMD conversions do.
float quantize_block_i8(const float* x, int8_t* q, int n) {
    float amax = 0.0f;
    // A comparison, not std::fmax: fmax is a libm call per value here (5% of a decoded
    // token); both skip NaN inputs.
    for (int j = 0; j < n; j++) amax = std::fabs(x[j]) > amax ? std::fabs(x[j]) : amax;
    const float id = amax > 0.0f ? 127.0f / amax : 0.0f;
    for (int j = 0; j < n; j++) q[j] = int8_t(std::nearbyint(x[j] * id));
    return amax / 127.0f;
}

template <typename block>
block load(const void* row, int64_t i) {
    block b;
    std::memcpy(&b, static_cast<const uint8_t*>(row) + size_t(i) * sizeof(block), sizeof(block));
    return b;
}

// Σ q_w q_x over 32 values of a 32-value weight block whose codes `code(j)` are small ints.
template <typename F>
int32_t isum32(const int8_t* qx, F code) {
    int32_t s = 0;
    for (int j = 0; j < 32; j++) s += code(j) * int32_t(qx[j]);
    return s;
}

// Each 32-value type's code j (0-31), as a small signed or unsigned integer.
int32_t code_q8_0(const block_q8_0& b, int j) { return b.qs[j]; }
int32_t code_q4_0(const block_q4_0& b, int j) { return ((b.qs[j % 16] >> (4 * (j / 16))) & 15) - 8; }
int32_t code_q4_1(const block_q4_1& b, int j) { return (b.qs[j % 16] >> (4 * (j / 16))) & 15; }
int32_t code_q5_0(const block_q5_0& b, int j) { return q5_code(b.qh, b.qs, j) - 16; }
int32_t code_q5_1(const block_q5_1& b, int j) { return q5_code(b.qh, b.qs, j); }

// The 32-value types: Σ over blocks of d_w d_x Σ code x, plus m_w s_x for the types with a
// minimum (Q4_1, Q5_1).
template <typename block, int32_t (*code)(const block&, int)>
float dot32(int64_t n, const void* w, const void* xq) {
    const auto* x = static_cast<const block_q8_32*>(xq);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 32; i++) {
        const auto b = load<block>(w, i);
        const int32_t s = isum32(x[i].qs, [&](int j) { return code(b, j); });
        if constexpr (requires { b.m; }) sum += f16_to_f32(b.d) * x[i].d * float(s) + f16_to_f32(b.m) * x[i].s;
        else sum += f16_to_f32(b.d) * x[i].d * float(s);
    }
    return sum;
}

// Q4_K and Q5_K: Σ over sub-blocks of scale × Σ code x, less minimum × Σ x (from bsums).
template <typename block, int32_t (*code)(const block&, int)>
float dot_scale_min_k(int64_t n, const void* w, const void* xq) {
    const auto* x = static_cast<const block_q8_256*>(xq);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        const auto b = load<block>(w, i);
        int32_t sumi = 0, summ = 0;
        for (int j = 0; j < 8; j++) {
            int32_t sc, m;
            k_scale_min(b.scales, j, &sc, &m);
            sumi += sc * isum32(x[i].qs + 32 * j, [&](int k) { return code(b, 32 * j + k); });
            summ += m * (x[i].bsums[2 * j] + x[i].bsums[2 * j + 1]);
        }
        sum += f16_to_f32(b.d) * x[i].d * float(sumi) - f16_to_f32(b.dmin) * x[i].d * float(summ);
    }
    return sum;
}

float dot_q2_k(int64_t n, const void* w, const void* xq) {
    const auto* x = static_cast<const block_q8_256*>(xq);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        const auto b = load<block_q2_k>(w, i);
        int32_t sumi = 0, summ = 0;
        for (int g = 0; g < 16; g++) {
            int32_t s = 0;
            for (int k = 16 * g; k < 16 * g + 16; k++) s += k_2bit_code(b.qs, k) * int32_t(x[i].qs[k]);
            sumi += (b.scales[g] & 15) * s;
            summ += (b.scales[g] >> 4) * x[i].bsums[g];
        }
        sum += f16_to_f32(b.d) * x[i].d * float(sumi) - f16_to_f32(b.dmin) * x[i].d * float(summ);
    }
    return sum;
}

float dot_q3_k(int64_t n, const void* w, const void* xq) {
    const auto* x = static_cast<const block_q8_256*>(xq);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        const auto b = load<block_q3_k>(w, i);
        int32_t sumi = 0;
        for (int g = 0; g < 16; g++) {
            int32_t s = 0;
            for (int k = 16 * g; k < 16 * g + 16; k++) s += q3_k_code(b, k) * int32_t(x[i].qs[k]);
            sumi += q3_k_scale(b.scales, g) * s;
        }
        sum += f16_to_f32(b.d) * x[i].d * float(sumi);
    }
    return sum;
}

float dot_q6_k(int64_t n, const void* w, const void* xq) {
    const auto* x = static_cast<const block_q8_256*>(xq);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        const auto b = load<block_q6_k>(w, i);
        int32_t sumi = 0;
        for (int g = 0; g < 16; g++) {
            int32_t s = 0;
            for (int k = 16 * g; k < 16 * g + 16; k++) {
                const int half = k / 128, r = k % 128;
                const int lo = (b.ql[64 * half + r % 64] >> (4 * (r / 64))) & 0x0f;
                const int hi = (b.qh[32 * half + r % 32] >> (2 * (r / 32))) & 0x03;
                s += ((lo | (hi << 4)) - 32) * int32_t(x[i].qs[k]);
            }
            sumi += int32_t(b.scales[g]) * s;
        }
        sum += f16_to_f32(b.d) * x[i].d * float(sumi);
    }
    return sum;
}

template <float (*dot)(int64_t, const void*, const void*)>
void dot_tokens(int64_t n, const void* w, const void* xq, size_t xq_stride, int64_t n_tok, float* out,
                int64_t out_stride) {
    for (int64_t t = 0; t < n_tok; t++)
        out[t * out_stride] = dot(n, w, static_cast<const uint8_t*>(xq) + size_t(t) * xq_stride);
}

template <float (*dot)(int64_t, const void*, const void*)>
constexpr vec_dot_kernels kernels_32 = {32, sizeof(block_q8_32), quantize_act_q8_32, dot, dot_tokens<dot>};
template <float (*dot)(int64_t, const void*, const void*)>
constexpr vec_dot_kernels kernels_256 = {256, sizeof(block_q8_256), quantize_act_q8_256, dot, dot_tokens<dot>};

}  // namespace

void quantize_act_q8_32(const float* x, void* xq, int64_t n) {
    auto* out = static_cast<block_q8_32*>(xq);
    for (int64_t i = 0; i < n / 32; i++) {
        block_q8_32& b = out[i];
        b.d = quantize_block_i8(x + 32 * i, b.qs, 32);
        int32_t s = 0;
        for (int j = 0; j < 32; j++) s += b.qs[j];
        b.s = b.d * float(s);
    }
}

void quantize_act_q8_256(const float* x, void* xq, int64_t n) {
    auto* out = static_cast<block_q8_256*>(xq);
    for (int64_t i = 0; i < n / 256; i++) {
        block_q8_256& b = out[i];
        b.d = quantize_block_i8(x + 256 * i, b.qs, 256);
        for (int g = 0; g < 16; g++) {
            int32_t s = 0;
            for (int j = 0; j < 16; j++) s += b.qs[16 * g + j];
            b.bsums[g] = int16_t(s);
        }
    }
}

const vec_dot_kernels* vec_dot_kernels_scalar(dtype weight) {
    switch (weight) {
        case dtype::q8_0: return &kernels_32<dot32<block_q8_0, code_q8_0>>;
        case dtype::q4_0: return &kernels_32<dot32<block_q4_0, code_q4_0>>;
        case dtype::q4_1: return &kernels_32<dot32<block_q4_1, code_q4_1>>;
        case dtype::q5_0: return &kernels_32<dot32<block_q5_0, code_q5_0>>;
        case dtype::q5_1: return &kernels_32<dot32<block_q5_1, code_q5_1>>;
        case dtype::q2_k: return &kernels_256<dot_q2_k>;
        case dtype::q3_k: return &kernels_256<dot_q3_k>;
        case dtype::q4_k: return &kernels_256<dot_scale_min_k<block_q4_k, q4_k_code>>;
        case dtype::q5_k: return &kernels_256<dot_scale_min_k<block_q5_k, q5_k_code>>;
        case dtype::q6_k: return &kernels_256<dot_q6_k>;
        default: return nullptr;
    }
}

}  // namespace clinote
