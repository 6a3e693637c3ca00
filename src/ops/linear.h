// Linear layer: y = x · Wᵀ (+ b) for a weight of any stored type (F32, F16, BF16, GGML blocks).
#pragma once
#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "ops/gemm_bf16.h"

namespace clinote {

// How a quantised weight (Q8_0, Q4_0, Q4_1, Q4_K, Q6_K) is multiplied; other types ignore it.
enum class matmul_mode {
    // The reference: weight rows dequantised to F32 and multiplied in F32, exactly what
    // transformers computes on gguf's dequantisation (the parity tests use this), and what
    // training's forward and backward use.
    f32,
    // Below 32 tokens (decoding), x quantised to 8 bits per block and integer dot products
    // against the weight blocks (quant/vec_dot.h), as llama.cpp: ~20x faster decode; on the
    // default model logits differ from f32 by ~2% of the logit range on average, 5% at most
    // (tests/model/matmul_int8_test.cpp), so a greedy choice between two near-equal
    // candidates may differ. From 32 tokens on (prefill), BF16 tile products on CPUs with AMX
    // (ops/gemm_bf16.h), else f32's blocked sgemm, both faster there. What inference uses by
    // default (model::matmul).
    int8,
};

// "float" or "int8" (the --matmul flag's spelling); anything else throws naming `where`.
matmul_mode matmul_mode_parse(const std::string& name, const std::string& where);
const char* matmul_mode_name(matmul_mode mode);

// A frozen weight {n_out, n_in} packed for training's BF16 products (ops/gemm_bf16.h):
// transposed for y = x·Wᵀ, as is for dx = dy·W. Twice the bytes of the weight in BF16.
struct bf16_weight {
    bf16_panels transposed, as_is;
};
bf16_weight bf16_weight_pack(const tensor_view& w);

// x: [n_tokens, in], w: {out, in}, bias: [out] or null, y: [n_tokens, out].
// F32 weights: OpenBLAS. Other types in f32 mode: rows dequantised and dotted in F32 (one
// token, split across ops_thread_pool()) or blocks of rows dequantised and multiplied with
// OpenBLAS sgemm (several tokens), never a whole F32 copy. In int8 mode: see matmul_mode.
// With w_bf16 (W's BF16 packing, below) the product goes through it instead, on
// bf16_path_select(), whatever the mode.
void linear_forward(const tensor_view& w, const float* bias, const float* x, float* y, int64_t n_tokens,
                    matmul_mode mode = matmul_mode::f32, const bf16_weight* w_bf16 = nullptr);

// Backward of linear_forward. Like every backward in ops/, gradients are ADDED to what the
// output buffers hold (the caller zeroes them once per step), as several paths meet at one
// activation (the normed hidden state feeds q, k and v).
// dx [n_tokens, in] += dy [n_tokens, out] · W, for a frozen weight of any stored type:
// blocks of rows are dequantised and multiplied with OpenBLAS, never a whole F32 copy.
// With w_bf16, through W's BF16 packing instead.
void linear_backward_input(const tensor_view& w, const float* dy, float* dx, int64_t n_tokens,
                           const bf16_weight* w_bf16 = nullptr);
// For a trainable F32 weight {n_out, n_in}: dw += dyᵀ · x, and dbias += Σ_t dy (dbias may be null).
void linear_backward_weight(const float* x, const float* dy, float* dw, float* dbias, int64_t n_tokens, int64_t n_in,
                            int64_t n_out);

// Rows `ids` of an embedding table {n_vocab, dim} as floats: out [n, dim].
void embedding_forward(const tensor_view& table, const int32_t* ids, int64_t n, float* out);
// For a trainable F32 table {n_vocab, dim}: dtable[ids[t]] += dout[t] (a token seen twice adds twice).
void embedding_backward(const int32_t* ids, const float* dout, float* dtable, int64_t n, int64_t n_vocab, int64_t dim);

}  // namespace clinote
