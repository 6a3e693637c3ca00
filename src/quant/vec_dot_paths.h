// The kernel tables of each instruction-set path, for vec_dot.cpp's dispatch.
#pragma once
#include "quant/vec_dot.h"

namespace clinote {

// One activation quantiser for every path: it is O(n) against the dot's O(n · rows), and
// one implementation keeps the quantised activations bit-identical across paths.
void quantize_act_q8_32(const float* x, void* xq, int64_t n);
void quantize_act_q8_256(const float* x, void* xq, int64_t n);

// Q4_K sub-block j's 6-bit scale and minimum, unpacked from the block's 12 bytes (the
// packing is described in k_quants.cpp).
inline void q4_k_scale_min(const uint8_t* s, int j, int32_t* scale, int32_t* min) {
    if (j < 4) {
        *scale = s[j] & 63;
        *min = s[j + 4] & 63;
    } else {
        *scale = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
        *min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

const vec_dot_kernels* vec_dot_kernels_scalar(dtype weight);
const vec_dot_kernels* vec_dot_kernels_avx2(dtype weight);
const vec_dot_kernels* vec_dot_kernels_avx512(dtype weight);

}  // namespace clinote
