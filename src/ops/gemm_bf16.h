// BF16 matrix products for training's frozen weights and int8 mode's prompts: C (+)= A·B with
// A in F32, rounded to BF16 on the way in, B packed to BF16 once, products summed in F32. On a
// CPU with AMX (Sapphire Rapids and later) a 32 × 32 output block is four TDPBF16PS tile
// products (~3x OpenBLAS's F32 multiply-adds per second here, docs/benchmarks.md); the scalar
// path is the reference the AMX path is tested against (tests/ops/gemm_bf16_test.cpp).
// AVX512-BF16 without AMX has no path: its VDPBF16PS was slower than OpenBLAS's F32 FMA.
// Rounding the operands to BF16 (8 significant bits) is what mixed-precision training does.
#pragma once
#include <cstdint>
#include <vector>

#include "core/uninit_vector.h"

namespace clinote {

enum class bf16_path { scalar, amx };
const char* bf16_path_name(bf16_path p);
// Whether this CPU (and, for AMX, the operating system's permission) runs the path.
bool bf16_path_supported(bf16_path p);
// The fastest supported path; CLINOTE_CPU=scalar or avx2 (tests forcing a plainer CPU)
// selects scalar, as neither has BF16 instructions.
bf16_path bf16_path_select();

// B {k, n} as BF16 in panels of 16 columns, each column's values for k = 2i and 2i + 1 side
// by side (the pair layout TDPBF16PS reads): [n_pad / 16][k_pad / 2][16][2].
// k is padded to a multiple of 32 and n to a multiple of 32 with zeros.
struct bf16_panels {
    int64_t k = 0, n = 0;
    int64_t k_pad = 0, n_pad = 0;
    std::vector<uint16_t> data;
};

// Packs B = W (transpose false) or B = Wᵀ (transpose true) for a row-major F32 matrix W of
// `rows` × `cols`: W {n_out, n_in} packed transposed serves y = x·Wᵀ, packed as is dx = dy·W.
// The amx path packs with AVX-512 (a 16 × 16 transpose per 32 values of 16 rows), the scalar
// path value by value; both give the same bytes.
bf16_panels bf16_panels_pack(bf16_path path, const float* w, int64_t rows, int64_t cols, bool transpose);

// A {m, k} rounded to BF16 in tile order: each 16-row × 32-deep slice one contiguous 1 KB tile
// ([m_pad / 16][k_pad / 32][16][32]), so a tile load reads consecutive lines; zeros past m
// and k (m padded to a multiple of 32, k to a multiple of 32).
struct bf16_tiles {
    int64_t m = 0, k = 0;
    int64_t m_pad = 0, k_pad = 0;
    std::vector<uint16_t, default_init_allocator<uint16_t>> data;
};
// From a row-major F32 matrix with row stride lda.
bf16_tiles bf16_tiles_pack(bf16_path path, const float* a, int64_t m, int64_t lda, int64_t k);

// C [a.m, b.n] (row stride ldc) = A·B, or += A·B when accumulate (a.k must be b.k). Split
// across ops_thread_pool().
void gemm_bf16_tiles(bf16_path path, const bf16_tiles& a, const bf16_panels& b, float* c, int64_t ldc, bool accumulate);

// The same with A as F32 [m, b.k], row stride lda, rounded on the way in.
void gemm_bf16(bf16_path path, const float* a, int64_t m, int64_t lda, const bf16_panels& b, float* c, int64_t ldc,
               bool accumulate);

}  // namespace clinote
