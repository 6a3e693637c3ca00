// Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1: blocks of 32 values with an f16 scale (and minimum for
// Q4_1 and Q5_1). Q5_0 and Q5_1 are only read (dequantised), never written.
// The quantisers follow GGML's reference quantize_row_*_ref, which the gguf package's
// numpy code reproduces bit for bit.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/half.h"
#include "quant/block_layouts.h"
#include "quant/formats.h"

namespace clinote {

namespace {

template <typename block>
block load_block(const void* src, int64_t index) {
    block b;
    std::memcpy(&b, static_cast<const uint8_t*>(src) + size_t(index) * sizeof(block), sizeof(block));
    return b;
}

template <typename block>
void store_block(void* dst, int64_t index, const block& b) {
    std::memcpy(static_cast<uint8_t*>(dst) + size_t(index) * sizeof(block), &b, sizeof(block));
}

// 1/d, or 0 for an all-zero block so its values quantise to the zero point.
float inverse_or_zero(float d) { return d != 0.0f ? 1.0f / d : 0.0f; }

// Codes are clamped before the float -> int conversion so that the infinite or NaN
// positions a subnormal scale can produce stay defined (NaN becomes 0).
uint8_t nibble(float position) {  // truncation clamped to 0..15, as the reference
    return position > 0.0f ? uint8_t(std::min(position, 15.0f)) : 0;
}
int8_t rounded_code(float position) {  // round half away from zero, as roundf
    return position == position ? int8_t(std::clamp(std::round(position), -127.0f, 127.0f)) : 0;
}

}  // namespace

void dequantize_row_q8_0(const void* src, float* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk8_0; ib++) {
        const auto b = load_block<block_q8_0>(src, ib);
        const float d = f16_to_f32(b.d);
        for (int j = 0; j < qk8_0; j++) dst[ib * qk8_0 + j] = float(b.qs[j]) * d;
    }
}

void dequantize_row_q4_0(const void* src, float* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk4_0; ib++) {
        const auto b = load_block<block_q4_0>(src, ib);
        const float d = f16_to_f32(b.d);
        float* y = dst + ib * qk4_0;
        for (int j = 0; j < qk4_0 / 2; j++) {
            y[j] = d * float((b.qs[j] & 0x0f) - 8);
            y[j + qk4_0 / 2] = d * float((b.qs[j] >> 4) - 8);
        }
    }
}

void dequantize_row_q4_1(const void* src, float* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk4_1; ib++) {
        const auto b = load_block<block_q4_1>(src, ib);
        const float d = f16_to_f32(b.d), m = f16_to_f32(b.m);
        float* y = dst + ib * qk4_1;
        for (int j = 0; j < qk4_1 / 2; j++) {
            y[j] = d * float(b.qs[j] & 0x0f) + m;
            y[j + qk4_1 / 2] = d * float(b.qs[j] >> 4) + m;
        }
    }
}

void dequantize_row_q5_0(const void* src, float* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk5_0; ib++) {
        const auto b = load_block<block_q5_0>(src, ib);
        const float d = f16_to_f32(b.d);
        for (int j = 0; j < qk5_0; j++) dst[ib * qk5_0 + j] = d * float(q5_code(b.qh, b.qs, j) - 16);
    }
}

void dequantize_row_q5_1(const void* src, float* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk5_1; ib++) {
        const auto b = load_block<block_q5_1>(src, ib);
        const float d = f16_to_f32(b.d), m = f16_to_f32(b.m);
        for (int j = 0; j < qk5_1; j++) dst[ib * qk5_1 + j] = d * float(q5_code(b.qh, b.qs, j)) + m;
    }
}

void quantize_row_q8_0(const float* src, void* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk8_0; ib++) {
        const float* x = src + ib * qk8_0;
        float amax = 0.0f;
        for (int j = 0; j < qk8_0; j++) amax = std::fmax(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = inverse_or_zero(d);
        block_q8_0 b;
        b.d = f32_to_f16(d);
        for (int j = 0; j < qk8_0; j++) b.qs[j] = rounded_code(x[j] * id);
        store_block(dst, ib, b);
    }
}

void quantize_row_q4_0(const float* src, void* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk4_0; ib++) {
        const float* x = src + ib * qk4_0;
        // The value of largest magnitude, sign kept, maps to -8 so the full range -8..7 is used.
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < qk4_0; j++) {
            if (std::fabs(x[j]) > amax) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        const float d = max / -8.0f;
        const float id = inverse_or_zero(d);
        block_q4_0 b;
        b.d = f32_to_f16(d);
        for (int j = 0; j < qk4_0 / 2; j++) {
            b.qs[j] = uint8_t(nibble(x[j] * id + 8.5f) | (nibble(x[j + qk4_0 / 2] * id + 8.5f) << 4));
        }
        store_block(dst, ib, b);
    }
}

void quantize_row_q4_1(const float* src, void* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk4_1; ib++) {
        const float* x = src + ib * qk4_1;
        float min = x[0], max = x[0];
        for (int j = 1; j < qk4_1; j++) {
            min = std::min(min, x[j]);
            max = std::max(max, x[j]);
        }
        const float d = (max - min) / 15.0f;
        const float id = inverse_or_zero(d);
        block_q4_1 b;
        b.d = f32_to_f16(d);
        b.m = f32_to_f16(min);
        for (int j = 0; j < qk4_1 / 2; j++) {
            b.qs[j] = uint8_t(nibble((x[j] - min) * id + 0.5f) | (nibble((x[j + qk4_1 / 2] - min) * id + 0.5f) << 4));
        }
        store_block(dst, ib, b);
    }
}

}  // namespace clinote
