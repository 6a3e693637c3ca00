// Dot products of quantised weight rows with activations quantised on the fly to 8 bits,
// in integer arithmetic, as llama.cpp's ggml-cpu does: a weight row never becomes floats.
//
// Activation layouts follow llama.cpp's (ggml-common.h):
//   block_q8_1 {f16 d; f16 s; int8 qs[32]}   (s = d * Σ qs) for the 32-value weight types;
//   block_q8_K {float d; int8 qs[256]; int16 bsums[16]} for the 256-value K-quants;
// with one change: the 32-value block keeps d and s as floats (a few bytes more per block,
// one rounding less per block, and the same block serves Q8_0, Q4_0 and Q4_1).
//
// Kernels exist for three instruction-set paths, chosen at run time (cpu_path_select):
// scalar (the reference, any CPU), AVX2+FMA, and AVX-512 VNNI (dpbusd on 256-bit vectors,
// AVX512VL). The SIMD files are compiled with per-function target attributes, so the
// binary still runs on a CPU without them. CLINOTE_CPU=scalar|avx2|avx512 forces a path.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/tensor.h"

namespace clinote {

struct block_q8_32 {
    float d;   // scale: value ≈ d * qs[j]
    float s;   // d * Σ qs[j], for weights with a minimum (Q4_1)
    int8_t qs[32];
};
struct block_q8_256 {
    float d;
    int8_t qs[256];
    int16_t bsums[16];  // Σ of each group of 16 qs, for the K-quants' minimums and offsets
};
static_assert(sizeof(block_q8_32) == 40 && sizeof(block_q8_256) == 292);

enum class cpu_path { scalar, avx2, avx512 };

const char* cpu_path_name(cpu_path p);
// Whether this CPU (and OS) can run the path.
bool cpu_path_supported(cpu_path p);
// The CPU converts F16 ↔ F32 in vector registers (F16C) and the OS saves them.
bool cpu_has_f16c();
// The path to use: CLINOTE_CPU if set (a path the CPU lacks falls back to the best one it
// has below it; an unknown name throws), else the best the CPU supports.
cpu_path cpu_path_select();

// One weight type's kernels on one path.
struct vec_dot_kernels {
    int64_t block_size;        // values per activation block (32 or 256)
    size_t act_block_bytes;    // sizeof(block_q8_32) or sizeof(block_q8_256)
    // x: n floats -> n / block_size activation blocks at xq.
    void (*quantize_act)(const float* x, void* xq, int64_t n);
    // Σ_i w[i] x[i] over n values: one weight row against one quantised activation row.
    float (*dot)(int64_t n, const void* w_row, const void* xq);
    // The same for n_tok activation rows (xq_stride bytes apart) against one weight row,
    // reading the weight row once: out[t * out_stride] for t < n_tok.
    void (*dot_tokens)(int64_t n, const void* w_row, const void* xq, size_t xq_stride, int64_t n_tok, float* out,
                       int64_t out_stride);
};

// Null for types without an integer kernel (F32, F16, BF16). n must be a multiple of the
// weight's block size (the activation block size is then a divisor of n too).
const vec_dot_kernels* vec_dot_kernels_for(dtype weight, cpu_path path);

}  // namespace clinote
