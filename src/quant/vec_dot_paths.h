// The kernel tables of each instruction-set path, for vec_dot.cpp's dispatch.
#pragma once
#include "quant/vec_dot.h"

namespace clinote {

// One activation quantiser for every path: it is O(n) against the dot's O(n · rows), and
// one implementation keeps the quantised activations bit-identical across paths.
void quantize_act_q8_32(const float* x, void* xq, int64_t n);
void quantize_act_q8_256(const float* x, void* xq, int64_t n);

const vec_dot_kernels* vec_dot_kernels_scalar(dtype weight);
const vec_dot_kernels* vec_dot_kernels_avx2(dtype weight);
const vec_dot_kernels* vec_dot_kernels_avx512(dtype weight);

}  // namespace clinote
