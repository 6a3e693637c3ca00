// The K-quants: super-blocks of 256 values with 4- to 8-bit sub-block scales (Q2_K, Q3_K,
// Q4_K, Q5_K, Q6_K). Only dequantisation: clinote reads these from published GGUF files
// but never writes them. Each product and difference is rounded to float on its own, in
// the order the gguf package's numpy code computes it (scale first, then scale × code).
#include <cstring>

#include "core/half.h"
#include "quant/block_layouts.h"
#include "quant/formats.h"

namespace clinote {

namespace {

template <typename block>
block load_super_block(const void* src, int64_t index) {
    block b;
    std::memcpy(&b, static_cast<const uint8_t*>(src) + size_t(index) * sizeof b, sizeof b);
    return b;
}

// Q4_K and Q5_K: eight sub-blocks of 32 values, each d × 6-bit scale × code − dmin × 6-bit minimum.
template <typename block, int32_t (*code)(const block&, int)>
void dequantize_scale_min_blocks(const void* src, float* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk_k; ib++) {
        const auto b = load_super_block<block>(src, ib);
        const float d = f16_to_f32(b.d), dmin = f16_to_f32(b.dmin);
        float* y = dst + ib * qk_k;
        for (int j = 0; j < 8; j++) {
            int32_t sc, m;
            k_scale_min(b.scales, j, &sc, &m);
            const float dl = d * float(sc), ml = dmin * float(m);
            for (int i = 32 * j; i < 32 * j + 32; i++) y[i] = dl * float(code(b, i)) - ml;
        }
    }
}

}  // namespace

void dequantize_row_q4_k(const void* src, float* dst, int64_t n) {
    dequantize_scale_min_blocks<block_q4_k, q4_k_code>(src, dst, n);
}

void dequantize_row_q5_k(const void* src, float* dst, int64_t n) {
    dequantize_scale_min_blocks<block_q5_k, q5_k_code>(src, dst, n);
}

void dequantize_row_q2_k(const void* src, float* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk_k; ib++) {
        const auto b = load_super_block<block_q2_k>(src, ib);
        const float d = f16_to_f32(b.d), dmin = f16_to_f32(b.dmin);
        float* y = dst + ib * qk_k;
        for (int g = 0; g < 16; g++) {  // 16 values per 4-bit scale and minimum
            const float dl = d * float(b.scales[g] & 0x0f), ml = dmin * float(b.scales[g] >> 4);
            for (int i = 16 * g; i < 16 * g + 16; i++) y[i] = dl * float(k_2bit_code(b.qs, i)) - ml;
        }
    }
}

void dequantize_row_q3_k(const void* src, float* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk_k; ib++) {
        const auto b = load_super_block<block_q3_k>(src, ib);
        const float d = f16_to_f32(b.d);
        float* y = dst + ib * qk_k;
        for (int g = 0; g < 16; g++) {
            const float dl = d * float(q3_k_scale(b.scales, g));
            for (int i = 16 * g; i < 16 * g + 16; i++) y[i] = dl * float(q3_k_code(b, i));
        }
    }
}

void dequantize_row_q6_k(const void* src, float* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk_k; ib++) {
        const auto b = load_super_block<block_q6_k>(src, ib);
        const float d = f16_to_f32(b.d);
        float* y = dst + ib * qk_k;
        // Each half of 128 values takes 64 bytes of ql (low nibbles for the first 64 values,
        // high nibbles for the next 64) and 32 bytes of qh (2 bits per value, 4 values a byte).
        for (int i = 0; i < qk_k; i++) {
            const int half = i / 128, r = i % 128;
            const int lo = (b.ql[64 * half + r % 64] >> (4 * (r / 64))) & 0x0f;
            const int hi = (b.qh[32 * half + r % 32] >> (2 * (r / 32))) & 0x03;
            const float dl = d * float(b.scales[i / 16]);
            y[i] = dl * float((lo | (hi << 4)) - 32);
        }
    }
}

}  // namespace clinote
