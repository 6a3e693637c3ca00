// F32, F16 and BF16 rows: plain element-wise conversions.
#include <cstring>

#include "core/half.h"
#include "quant/formats.h"

namespace clinote {

// An empty row may come with null pointers, which memcpy must not be given.
void dequantize_row_f32(const void* src, float* dst, int64_t n) {
    if (n > 0) std::memcpy(dst, src, size_t(n) * sizeof(float));
}

void quantize_row_f32(const float* src, void* dst, int64_t n) {
    if (n > 0) std::memcpy(dst, src, size_t(n) * sizeof(float));
}

// The 16-bit rows may sit at odd addresses in a file, so each value is copied out.
void dequantize_row_f16(const void* src, float* dst, int64_t n) {
    const auto* p = static_cast<const uint8_t*>(src);
    for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        dst[i] = f16_to_f32(h);
    }
}

void dequantize_row_bf16(const void* src, float* dst, int64_t n) {
    const auto* p = static_cast<const uint8_t*>(src);
    for (int64_t i = 0; i < n; i++) {
        uint16_t b;
        std::memcpy(&b, p + 2 * i, 2);
        dst[i] = bf16_to_f32(b);
    }
}

void quantize_row_f16(const float* src, void* dst, int64_t n) {
    auto* p = static_cast<uint8_t*>(dst);
    for (int64_t i = 0; i < n; i++) {
        const uint16_t h = f32_to_f16(src[i]);
        std::memcpy(p + 2 * i, &h, 2);
    }
}

void quantize_row_bf16(const float* src, void* dst, int64_t n) {
    auto* p = static_cast<uint8_t*>(dst);
    for (int64_t i = 0; i < n; i++) {
        const uint16_t b = f32_to_bf16(src[i]);
        std::memcpy(p + 2 * i, &b, 2);
    }
}

}  // namespace clinote
