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

float dot_q8_0(int64_t n, const void* w, const void* xq) {
    const auto* x = static_cast<const block_q8_32*>(xq);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 32; i++) {
        const auto b = load<block_q8_0>(w, i);
        const int32_t s = isum32(x[i].qs, [&](int j) { return int32_t(b.qs[j]); });
        sum += f16_to_f32(b.d) * x[i].d * float(s);
    }
    return sum;
}

float dot_q4_0(int64_t n, const void* w, const void* xq) {
    const auto* x = static_cast<const block_q8_32*>(xq);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 32; i++) {
        const auto b = load<block_q4_0>(w, i);
        const int32_t s = isum32(x[i].qs, [&](int j) { return int32_t((b.qs[j % 16] >> (4 * (j / 16))) & 15) - 8; });
        sum += f16_to_f32(b.d) * x[i].d * float(s);
    }
    return sum;
}

float dot_q4_1(int64_t n, const void* w, const void* xq) {
    const auto* x = static_cast<const block_q8_32*>(xq);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 32; i++) {
        const auto b = load<block_q4_1>(w, i);
        const int32_t s = isum32(x[i].qs, [&](int j) { return int32_t((b.qs[j % 16] >> (4 * (j / 16))) & 15); });
        sum += f16_to_f32(b.d) * x[i].d * float(s) + f16_to_f32(b.m) * x[i].s;
    }
    return sum;
}

float dot_q4_k(int64_t n, const void* w, const void* xq) {
    const auto* x = static_cast<const block_q8_256*>(xq);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        const auto b = load<block_q4_k>(w, i);
        int32_t sumi = 0, summ = 0;
        for (int j = 0; j < 8; j++) {
            int32_t sc, m;
            q4_k_scale_min(b.scales, j, &sc, &m);
            const uint8_t* q = b.qs + 32 * (j / 2);
            const int shift = 4 * (j % 2);
            sumi += sc * isum32(x[i].qs + 32 * j, [&](int k) { return int32_t((q[k] >> shift) & 15); });
            summ += m * (x[i].bsums[2 * j] + x[i].bsums[2 * j + 1]);
        }
        sum += f16_to_f32(b.d) * x[i].d * float(sumi) - f16_to_f32(b.dmin) * x[i].d * float(summ);
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
        case dtype::q8_0: return &kernels_32<dot_q8_0>;
        case dtype::q4_0: return &kernels_32<dot_q4_0>;
        case dtype::q4_1: return &kernels_32<dot_q4_1>;
        case dtype::q4_k: return &kernels_256<dot_q4_k>;
        case dtype::q6_k: return &kernels_256<dot_q6_k>;
        default: return nullptr;
    }
}

}  // namespace clinote
