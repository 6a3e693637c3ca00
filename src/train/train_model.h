// Training forward and backward of a whole model with a LoRA adapter over one train_batch.
// The base model stays frozen in whatever type it is stored (F32, F16, BF16, GGML blocks:
// a quantised base makes this QLoRA); only the adapter's A/B and modules_to_save copies get
// gradients. Each layer keeps just what its backward needs (RMSNorm outputs and the GLU
// product are recomputed; attention keeps one log-sum-exp per query and head), so memory is
// linear in the sequence length. With checkpoint_layers only each layer's input is kept and
// the layer's forward is recomputed during the backward.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "model/lora_adapter.h"
#include "ops/linear.h"
#include "train/full_params.h"
#include "train/train_data.h"

namespace clinote {

// The frozen projections (and the head, unless the adapter trains its own copy) packed for
// BF16 products (ops/gemm_bf16.h): made once before training, then every step's frozen
// products read these instead of the stored weights. Rounding to BF16 is what mixed-precision
// training does; on AMX it makes a step ~1.6x faster (docs/benchmarks.md section 2).
struct train_base_bf16 {
    std::vector<std::array<bf16_weight, lora_target_count>> layers;
    bf16_weight head;  // empty (n = 0) when the head is trained
};
train_base_bf16 train_base_bf16_pack(const model& m, const lora_adapter& adapter);
// Bytes train_base_bf16_pack holds for this model and adapter.
int64_t train_base_bf16_bytes(const model& m, const lora_adapter& adapter);

struct train_step_options {
    bool checkpoint_layers = false;
    bool dropout = true;        // apply the adapter's lora dropout (off for validation)
    uint64_t dropout_seed = 0;  // masks come from (seed, layer, target): the backward regenerates them
    int64_t head_rows = 256;    // logits are computed this many rows at a time: [head_rows, n_vocab]
    const train_base_bf16* base_bf16 = nullptr;  // multiply the frozen weights in BF16 (null: as stored)
};

struct train_loss {
    double sum = 0.0;       // Σ of the scored tokens' cross-entropies
    int64_t n_scored = 0;
    double mean() const { return n_scored > 0 ? sum / double(n_scored) : 0.0; }
};

// Adds grad_scale · ∂(Σ token losses)/∂θ to grads (shaped as the adapter, see
// lora_adapter_zeros_like). grad_scale = 1 / (tokens scored over all accumulated
// micro-batches) gives the gradient of the mean loss of an optimiser step.
train_loss train_forward_backward(const model& m, const lora_adapter& adapter, const train_batch& batch,
                                  float grad_scale, lora_adapter& grads, const train_step_options& opt);

// A full fine-tune's step: adds grad_scale · ∂(Σ token losses)/∂W to grads for every weight
// W of m (shaped as full_weights_from_model(m); a tied head's gradient is added to the
// embeddings'). m computes in F32 (full_model_view); no dropout, no BF16 packing.
train_loss train_forward_backward_full(const model& m, const train_batch& batch, float grad_scale, full_weights& grads,
                                       const train_step_options& opt);

// The loss alone (validation): no dropout, nothing kept for a backward.
train_loss train_forward_loss(const model& m, const lora_adapter& adapter, const train_batch& batch,
                              const train_base_bf16* base_bf16 = nullptr);

// Bytes of activations train_forward_backward keeps for a batch of n_tokens (for the
// memory estimate printed before training).
int64_t train_activation_bytes(const model& m, const lora_adapter& adapter, int64_t n_tokens,
                               const train_step_options& opt);

}  // namespace clinote
