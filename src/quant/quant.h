// Block formats of GGML (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) and
// plain F32/F16/BF16 rows:
// sizes, dequantisation (bit-exact with the gguf package's numpy reference) and
// quantisation (for `clinote convert` and merged exports).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace clinote {

const char* dtype_name(dtype t);            // "F32", "Q4_1", ...
bool dtype_from_name(const std::string& name, dtype* out);  // case-insensitive
bool dtype_is_known(uint32_t ggml_type_id);
int64_t dtype_block_size(dtype t);          // values per block (1 for F32/F16/BF16)
size_t dtype_block_bytes(dtype t);          // bytes per block
// Bytes of a row of n values; n must be a multiple of the block size (throws otherwise).
size_t dtype_row_bytes(dtype t, int64_t n);

// n values of type t at src -> floats. n must be a multiple of the block size.
void dequantize_row(dtype t, const void* src, float* dst, int64_t n);
// Whether quantize_row writes type t (F32, F16, BF16, Q8_0, Q4_0, Q4_1, NF4; not the
// types clinote only reads).
bool dtype_can_quantize(dtype t);
// n floats -> type t (F32, F16, BF16, Q8_0, Q4_0, Q4_1; round-to-nearest as GGML's reference quantisers).
void quantize_row(dtype t, const float* src, void* dst, int64_t n);

}  // namespace clinote
