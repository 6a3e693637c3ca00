// GGML's block structs, byte for byte as they are stored in GGUF files. Only the kernel
// files include this header; it also turns off floating-point contraction for them (see
// formats.h for why). Blocks are copied out with memcpy because a row in a file need not
// be aligned for uint16_t.
#pragma once
#include <cstdint>

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace clinote {

constexpr int qk4_0 = 32, qk4_1 = 32, qk8_0 = 32, qk_k = 256;

struct block_q4_0 {
    uint16_t d;  // f16 scale
    uint8_t qs[qk4_0 / 2];  // value j in the low nibble of qs[j], value j + 16 in the high nibble
};
struct block_q4_1 {
    uint16_t d;  // f16 scale
    uint16_t m;  // f16 minimum
    uint8_t qs[qk4_1 / 2];
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
struct block_q6_k {
    uint8_t ql[qk_k / 2];  // low 4 bits
    uint8_t qh[qk_k / 4];  // high 2 bits
    int8_t scales[qk_k / 16];
    uint16_t d;
};

static_assert(sizeof(block_q4_0) == 18 && sizeof(block_q4_1) == 20 && sizeof(block_q8_0) == 34);
static_assert(sizeof(block_q4_k) == 144 && sizeof(block_q6_k) == 210);

}  // namespace clinote
