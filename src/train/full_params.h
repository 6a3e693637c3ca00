// The weights of a full fine-tune (`train --full`): every weight of the model in F32,
// dequantised from whatever the file stores, in the model's own layout (GGUF's permuted
// Q/K rows stay permuted, Gemma's norms keep their stored offset). The same structure holds
// the parameters, their gradients and both AdamW moments, so the four walk together.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/lora_adapter.h"

namespace clinote {

struct full_layer {
    std::vector<float> attn_norm, ffn_norm;
    std::vector<float> q_norm, k_norm, post_attn_norm, post_ffn_norm;  // Gemma 3 only (else empty)
    std::array<std::vector<float>, lora_target_count> w;                // {n_out, n_in} per projection
    std::array<std::vector<float>, lora_target_count> bias;             // empty without biases
};

struct full_weights {
    std::vector<float> tok_embd;     // {n_vocab, n_embd}; also the head when the model ties them
    std::vector<float> output;       // {n_vocab, n_embd}; empty when tied
    std::vector<float> output_norm;
    std::vector<full_layer> layers;
};

struct full_param {
    std::string name;            // "layers.3.q_proj.weight", "layers.3.attn_norm", "embed_tokens", "lm_head", "norm"
    std::vector<int64_t> shape;
    std::vector<float>* values = nullptr;
    bool decay = false;          // AdamW weight decay: matrices yes, norms and biases no
};

// Every weight of m in F32.
full_weights full_weights_from_model(const model& m);
full_weights full_weights_zeros_like(const full_weights& w);

// Every tensor of w in a fixed order (layers, then embed_tokens, lm_head when untied, norm).
std::vector<full_param> full_params(full_weights& w, const model& m);

// Calls f(values, decay) for every tensor of w.
template <typename F>
void full_weights_each(full_weights& w, F f) {
    for (full_layer& l : w.layers) {
        for (std::vector<float>* v : {&l.attn_norm, &l.ffn_norm, &l.q_norm, &l.k_norm, &l.post_attn_norm, &l.post_ffn_norm})
            if (!v->empty()) f(*v, false);
        for (int t = 0; t < lora_target_count; t++) {
            f(l.w[size_t(t)], true);
            if (!l.bias[size_t(t)].empty()) f(l.bias[size_t(t)], false);
        }
    }
    f(w.tok_embd, true);
    if (!w.output.empty()) f(w.output, true);
    f(w.output_norm, false);
}

void full_weights_fill_zero(full_weights& w);
double full_weights_sum_squares(const full_weights& w);
void full_weights_scale(full_weights& w, float factor);

// A model that computes with w: base's config, tokenizer and names, its matrices viewing w's
// (so an update of w is seen without a copy), its norms and biases copies that
// full_model_refresh brings up to date after each update.
std::unique_ptr<model> full_model_view(const model& base, const full_weights& w);
void full_model_refresh(model& view, const full_weights& w);

// Writes w as a GGUF model through the merge writer (model/adapter_merge.h): base's metadata
// and tokenizer, matrices in `type`, 1-D tensors F32. base must have been loaded from GGUF.
void full_weights_write_gguf(const model& base, const full_weights& w, const std::string& path, dtype type);

}  // namespace clinote
