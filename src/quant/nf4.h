// NF4 with double quantisation, as bitsandbytes' quantize_4bit(quant_type="nf4",
// blocksize=64, compress_statistics=True) and the QLoRA paper: each block of 64 values
// keeps 4-bit indices into the NF4 code book and its absmax; the absmaxes, minus their mean
// (the offset), are quantised again to 8 bits (bitsandbytes' dynamic code) in blocks of 256
// with an F32 absmax each. Dequantised value = code4[q] · (code8[q_absmax] · absmax2 + offset),
// every step rounded to F32 as bitsandbytes does.
//
// In memory the numbers are bitsandbytes' but rearranged per row, so that a row (a whole
// number of blocks of 64) dequantises alone and ops/linear's row-by-row matmul works
// unchanged. A row record holds:
//   f32 offset | u32 index of the row's first block within its group of 256 |
//   f32 absmax2 of each group the row touches (nf4_row_groups(n) slots) |
//   u8 absmax code per block | the 4-bit indices, two per byte, first value in the high nibble.
// The per-row copies of offset and group absmax cost ~0.1–0.2 bits per weight on top of
// bitsandbytes' ~4.13.
//
// NF4 is not a GGML type: its dtype id (1024) is private to clinote, outside GGML's range,
// and never written to a file (dtype_is_known rejects it in GGUF).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace clinote {

constexpr dtype dtype_nf4 = static_cast<dtype>(1024);
constexpr int64_t nf4_block = 64;    // values per absmax
constexpr int64_t nf4_block2 = 256;  // absmaxes per second-level absmax

extern const float nf4_code[16];        // the NF4 code book (QLoRA paper, appendix E)
extern const float nf4_absmax_code[256]; // bitsandbytes' create_dynamic_map(signed=True)

// bitsandbytes' quantisation of n values (n a multiple of 64) as one flat tensor.
struct nf4_quantized {
    std::vector<uint8_t> packed;        // n / 2 bytes
    std::vector<uint8_t> absmax_codes;  // one per block of 64
    std::vector<float> absmax2;         // one per group of 256 blocks
    float offset = 0.0f;                // mean of the blocks' absmax
};
nf4_quantized nf4_quantize(const float* x, int64_t n);

// Bytes of one row record of n values (n a multiple of 64).
int64_t nf4_row_groups(int64_t n);
size_t nf4_row_bytes(int64_t n);
// Lays out a quantised {rows, cols} tensor as row records: rows · nf4_row_bytes(cols) bytes.
void nf4_pack_rows(const nf4_quantized& q, int64_t rows, int64_t cols, uint8_t* dst);
// nf4_quantize + nf4_pack_rows: a whole matrix, statistics over the whole tensor as
// bitsandbytes computes them.
std::vector<uint8_t> nf4_quantize_matrix(const float* x, int64_t rows, int64_t cols);

// Row kernels for quant.h's dispatch. quantize_row_nf4 treats the row as a tensor of its own.
void dequantize_row_nf4(const void* src, float* dst, int64_t n);
void quantize_row_nf4(const float* src, void* dst, int64_t n);

}  // namespace clinote
