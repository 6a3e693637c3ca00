// GGML's block structs, byte for byte as they are stored in GGUF files. Only the kernel
// files include this header; it also turns off floating-point contraction for them (see
// formats.h for why). Blocks are copied out with memcpy because a row in a file need not
// be aligned for uint16_t.
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace clinote {

constexpr int qk4_0 = 32, qk4_1 = 32, qk5_0 = 32, qk5_1 = 32, qk8_0 = 32, qk_k = 256;

struct block_q4_0 {
    uint16_t d;  // f16 scale
    uint8_t qs[qk4_0 / 2];  // value j in the low nibble of qs[j], value j + 16 in the high nibble
};
struct block_q4_1 {
    uint16_t d;  // f16 scale
    uint16_t m;  // f16 minimum
    uint8_t qs[qk4_1 / 2];
};
struct block_q5_0 {
    uint16_t d;  // f16 scale
    uint8_t qh[4];  // bit j of the little-endian uint32: the fifth bit of value j
    uint8_t qs[qk5_0 / 2];  // low 4 bits, laid out as Q4_0's nibbles
};
struct block_q5_1 {
    uint16_t d;  // f16 scale
    uint16_t m;  // f16 minimum
    uint8_t qh[4];
    uint8_t qs[qk5_1 / 2];
};
struct block_q8_0 {
    uint16_t d;
    int8_t qs[qk8_0];
};
struct block_q4_k {
    uint16_t d;     // f16 super-block scale of the 6-bit sub-block scales
    uint16_t dmin;  // f16 super-block scale of the 6-bit sub-block minimums
    uint8_t scales[12];  // 8 scales and 8 minimums, 6 bits each
    uint8_t qs[qk_k / 2];
};
struct block_q5_k {
    uint16_t d;     // as Q4_K: f16 scales of the 6-bit sub-block scales and minimums
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qh[qk_k / 8];  // bit j of qh[k]: the fifth bit of value 32 j + k
    uint8_t qs[qk_k / 2];  // low 4 bits, laid out as Q4_K's
};
struct block_q2_k {
    uint8_t scales[qk_k / 16];  // per 16 values: 4-bit scale (low nibble), 4-bit minimum (high)
    uint8_t qs[qk_k / 4];       // 2-bit codes: value 128 h + 32 s + k in bits 2s of qs[32 h + k]
    uint16_t d;                 // f16 super-block scale of the scales
    uint16_t dmin;              // f16 super-block scale of the minimums
};
struct block_q3_k {
    uint8_t hmask[qk_k / 8];  // bit j of hmask[k]: the third bit of value 32 j + k (clear: subtract 4)
    uint8_t qs[qk_k / 4];     // low 2 bits, laid out as Q2_K's
    uint8_t scales[12];       // 16 signed 6-bit scales (stored + 32), packed as in k_quants.cpp
    uint16_t d;               // f16 super-block scale
};
struct block_q6_k {
    uint8_t ql[qk_k / 2];  // low 4 bits
    uint8_t qh[qk_k / 4];  // high 2 bits
    int8_t scales[qk_k / 16];
    uint16_t d;
};

static_assert(sizeof(block_q4_0) == 18 && sizeof(block_q4_1) == 20 && sizeof(block_q8_0) == 34);
// Code unpackers shared by the dequantisers (k_quants.cpp, block_formats.cpp) and the
// scalar dot kernels (vec_dot_scalar.cpp), so both read a block the same way.

// Sub-block j's 6-bit scale and minimum of a Q4_K or Q5_K block, packed in 12 bytes:
// sub-blocks 0-3 use the low 6 bits of bytes 0-3 (scales) and 4-7 (minimums); sub-blocks
// 4-7 take their low 4 bits from bytes 8-11 and their top 2 bits from the spare top bits
// of bytes 0-7.
inline void k_scale_min(const uint8_t* s, int j, int32_t* scale, int32_t* min) {
    if (j < 4) {
        *scale = s[j] & 63;
        *min = s[j + 4] & 63;
    } else {
        *scale = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
        *min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

// Value j (0-31) of a Q5_0 / Q5_1 block, 0-31: low nibble as Q4_0's, fifth bit from qh.
inline int32_t q5_code(const uint8_t* qh, const uint8_t* qs, int j) {
    uint32_t h;
    std::memcpy(&h, qh, 4);
    return ((qs[j % 16] >> (4 * (j / 16))) & 15) | int32_t(((h >> j) & 1) << 4);
}

// Value i (0-255) of a Q4_K block, 0-15: sub-block j = i / 32 takes the low (even j) or
// high (odd j) nibbles of qs[32 (j / 2) ...].
inline int32_t q4_k_code(const block_q4_k& b, int i) {
    const int j = i / 32;
    return (b.qs[32 * (j / 2) + i % 32] >> (4 * (j % 2))) & 15;
}

// Value i of a Q5_K block, 0-31: the nibble as Q4_K's, the fifth bit is bit i / 32 of qh[i % 32].
inline int32_t q5_k_code(const block_q5_k& b, int i) {
    const int j = i / 32, k = i % 32;
    return ((b.qs[32 * (j / 2) + k] >> (4 * (j % 2))) & 15) | (((b.qh[k] >> j) & 1) << 4);
}

// The 2-bit code of value i (0-255) of a Q2_K or Q3_K block: each half of 128 values
// takes 32 bytes of qs, four 2-bit fields per byte, field s for values 32 s + k.
inline int32_t k_2bit_code(const uint8_t* qs, int i) {
    return (qs[32 * (i / 128) + i % 32] >> (2 * ((i % 128) / 32))) & 3;
}

// Value i of a Q3_K block, -4..3: the 2-bit code, less 4 where hmask's bit is clear.
inline int32_t q3_k_code(const block_q3_k& b, int i) {
    return k_2bit_code(b.qs, i) - (((b.hmask[i % 32] >> (i / 32)) & 1) ? 0 : 4);
}

// Group g's (16 values) signed scale of a Q3_K block, -32..31: the low 4 bits are nibbles of
// bytes 0-7 (groups 0-7 low nibbles, 8-15 high), the top 2 bits are 2-bit fields of bytes
// 8-11 (byte 8 + g % 4, field g / 4).
inline int32_t q3_k_scale(const uint8_t* s, int g) {
    const int32_t lo = (g < 8 ? s[g] : s[g - 8] >> 4) & 15;
    const int32_t hi = (s[8 + g % 4] >> (2 * (g / 4))) & 3;
    return (lo | (hi << 4)) - 32;
}

static_assert(sizeof(block_q5_0) == 22 && sizeof(block_q5_1) == 24);
static_assert(sizeof(block_q4_k) == 144 && sizeof(block_q6_k) == 210);
static_assert(sizeof(block_q5_k) == 176 && sizeof(block_q2_k) == 84 && sizeof(block_q3_k) == 110);

}  // namespace clinote
