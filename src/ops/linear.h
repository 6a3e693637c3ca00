// Linear layer: y = x · Wᵀ (+ b) for a weight of any stored type (F32, F16, BF16, GGML blocks).
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace clinote {

// x: [n_tokens, in], w: {out, in}, bias: [out] or null, y: [n_tokens, out].
// One token: rows are dequantised one at a time and dotted, split across threads.
// Several tokens: blocks of rows are dequantised and multiplied with OpenBLAS sgemm, so a
// quantised weight is never held as a whole F32 copy.
void linear_forward(const tensor_view& w, const float* bias, const float* x, float* y, int64_t n_tokens);

// Rows `ids` of an embedding table {n_vocab, dim} as floats: out [n, dim].
void embedding_forward(const tensor_view& table, const int32_t* ids, int64_t n, float* out);

}  // namespace clinote
