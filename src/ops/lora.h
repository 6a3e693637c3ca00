// LoRA linear layer, as PEFT's lora.Linear: y = x·Wᵀ + b + scale·(drop(x)·Aᵀ)·Bᵀ.
// W is frozen, of any stored type (a quantised W makes it QLoRA); A {rank, n_in} and
// B {n_out, rank} are the trainable F32 matrices; scale is alpha / rank (alpha / √rank for
// rsLoRA). Dropout acts on the input of the LoRA branch only, as PEFT's lora_dropout.
#pragma once
#include <cstdint>

#include "core/tensor.h"
#include "ops/linear.h"

namespace clinote {

struct lora_weights {
    const float* a = nullptr;  // {rank, n_in}
    const float* b = nullptr;  // {n_out, rank}
    int64_t rank = 0;
    float scale = 1.0f;
};

// x [n_tokens, n_in], y [n_tokens, n_out], bias [n_out] or null. dropout_mask [n_tokens, n_in]
// holds 0 or 1/(1-p) per value (see dropout_mask_fill), or is null for no dropout.
// Writes xa [n_tokens, rank] = drop(x)·Aᵀ, which the backward needs. `mode` is how W is
// multiplied (ops/linear.h), unless w_bf16 (W's BF16 packing) is given; the LoRA branch is
// always F32.
void lora_linear_forward(const tensor_view& w, const float* bias, const lora_weights& lora, const float* x,
                         const float* dropout_mask, float* xa, float* y, int64_t n_tokens,
                         matmul_mode mode = matmul_mode::f32, const bf16_weight* w_bf16 = nullptr);

// From the forward's x, dropout_mask and xa, and dy [n_tokens, n_out], adds (as every backward
// in ops/) da {rank, n_in}, db {n_out, rank} and, unless dx is null, dx [n_tokens, n_in]
// (through both the frozen W, or its BF16 packing w_bf16, and the LoRA branch).
void lora_linear_backward(const tensor_view& w, const lora_weights& lora, const float* x, const float* dropout_mask,
                          const float* xa, const float* dy, float* dx, float* da, float* db, int64_t n_tokens,
                          const bf16_weight* w_bf16 = nullptr);

// Inverted dropout: each of the n values is 0 with probability p (to 1/65536), else 1/(1-p).
// The values come from a hash of (seed, index), so a training step can be replayed exactly.
void dropout_mask_fill(float* mask, int64_t n, float p, uint64_t seed);

}  // namespace clinote
