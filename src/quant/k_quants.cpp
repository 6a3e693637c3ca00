// Q4_K and Q6_K: super-blocks of 256 values with 6- or 8-bit sub-block scales. Only
// dequantisation: clinote reads these from published GGUF files but never writes them.
#include <cstring>

#include "core/half.h"
#include "quant/block_layouts.h"
#include "quant/formats.h"

namespace clinote {

// The 8 scales and 8 minimums of a Q4_K block, 6 bits each, packed in 12 bytes:
// sub-blocks 0-3 use the low 6 bits of bytes 0-3 (scales) and 4-7 (minimums); sub-blocks
// 4-7 take their low 4 bits from bytes 8-11 and their top 2 bits from the spare top bits
// of bytes 0-7.
static void q4_k_scale_min(const uint8_t* s, int j, uint8_t* scale, uint8_t* min) {
    if (j < 4) {
        *scale = s[j] & 63;
        *min = s[j + 4] & 63;
    } else {
        *scale = uint8_t((s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4));
        *min = uint8_t((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
    }
}

void dequantize_row_q4_k(const void* src, float* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk_k; ib++) {
        block_q4_k b;
        std::memcpy(&b, static_cast<const uint8_t*>(src) + size_t(ib) * sizeof b, sizeof b);
        const float d = f16_to_f32(b.d), dmin = f16_to_f32(b.dmin);
        float* y = dst + ib * qk_k;
        // 32 bytes of qs hold two sub-blocks: the low nibbles, then the high nibbles.
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            q4_k_scale_min(b.scales, j, &sc, &m);
            const float dl = d * float(sc), ml = dmin * float(m);
            const uint8_t* q = b.qs + 32 * (j / 2);
            const int shift = 4 * (j % 2);
            for (int k = 0; k < 32; k++) y[32 * j + k] = dl * float((q[k] >> shift) & 0x0f) - ml;
        }
    }
}

void dequantize_row_q6_k(const void* src, float* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / qk_k; ib++) {
        block_q6_k b;
        std::memcpy(&b, static_cast<const uint8_t*>(src) + size_t(ib) * sizeof b, sizeof b);
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
