// The trainable tensors of a lora_adapter as a flat, named list, so that gradients, optimiser
// moments and checkpoints share one layout: an adapter-shaped structure holds each of them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/lora_adapter.h"

namespace clinote {

struct lora_param {
    std::string name;              // "layers.3.q_proj.lora_A", "embed_tokens", "lm_head"
    std::vector<int64_t> shape;    // A {rank, n_in}, B {n_out, rank}, tables {n_vocab, n_embd}
    std::vector<float>* values = nullptr;
};

// In a fixed order: layers, targets (A then B), then embed_tokens and lm_head when trained.
std::vector<lora_param> lora_params(lora_adapter& a, const model& m);

// The same structure filled with zeros (for gradients and optimiser moments).
lora_adapter lora_adapter_zeros_like(const lora_adapter& a);
void lora_adapter_fill_zero(lora_adapter& a);

// Σ over every trainable value of x².
double lora_adapter_sum_squares(const lora_adapter& a);
void lora_adapter_scale(lora_adapter& a, float factor);

// Calls f(values) for every trainable vector of a, and of b alongside (same structure).
template <typename F>
void lora_adapter_each(lora_adapter& a, F f) {
    for (auto& layer : a.layers)
        for (lora_matrices& lm : layer) {
            if (lm.a.empty()) continue;
            f(lm.a);
            f(lm.b);
        }
    if (!a.tok_embd.empty()) f(a.tok_embd);
    if (!a.output.empty()) f(a.output);
}

}  // namespace clinote
