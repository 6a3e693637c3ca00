// F32, F16 and BF16 rows: plain element-wise conversions.
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/half.h"
#include "quant/formats.h"
#include "quant/vec_dot.h"

namespace clinote {

// An empty row may come with null pointers, which memcpy must not be given.
void dequantize_row_f32(const void* src, float* dst, int64_t n) {
    if (n > 0) std::memcpy(dst, src, size_t(n) * sizeof(float));
}

void quantize_row_f32(const float* src, void* dst, int64_t n) {
    if (n > 0) std::memcpy(dst, src, size_t(n) * sizeof(float));
}

// The 16-bit rows may sit at odd addresses in a file, so each value is copied out.
static uint16_t u16_at(const uint8_t* p, int64_t i) {
    uint16_t v;
    std::memcpy(&v, p + 2 * i, 2);
    return v;
}

#if defined(__x86_64__)
// Eight halves per instruction (F16C converts exactly, subnormals included): one F16 model's
// decoded token spent 0.5 s converting weights one value at a time with f16_to_f32. F16C
// quiets signalling NaNs, so a group holding any NaN or infinity goes through f16_to_f32,
// which keeps every bit as numpy (and gguf.quants) does.
__attribute__((target("avx,f16c"))) static void dequantize_row_f16_f16c(const uint8_t* p, float* dst, int64_t n) {
    const __m128i exponent = _mm_set1_epi16(0x7c00);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2 * i));
        if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(h, exponent), exponent)) == 0) {
            _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
            continue;
        }
        for (int64_t j = i; j < i + 8; j++) dst[j] = f16_to_f32(u16_at(p, j));
    }
    for (; i < n; i++) dst[i] = f16_to_f32(u16_at(p, i));
}
#endif

void dequantize_row_f16(const void* src, float* dst, int64_t n) {
    const auto* p = static_cast<const uint8_t*>(src);
#if defined(__x86_64__)
    static const bool has_f16c = cpu_has_f16c();
    if (has_f16c) return dequantize_row_f16_f16c(p, dst, n);
#endif
    for (int64_t i = 0; i < n; i++) dst[i] = f16_to_f32(u16_at(p, i));
}

void dequantize_row_bf16(const void* src, float* dst, int64_t n) {
    const auto* p = static_cast<const uint8_t*>(src);
    for (int64_t i = 0; i < n; i++) dst[i] = bf16_to_f32(u16_at(p, i));
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
