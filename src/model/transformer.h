// The forward pass with a KV cache: feed tokens, get logits.
#pragma once
#include <cstdint>
#include <vector>

#include "model/lora_adapter.h"
#include "model/model.h"
#include "ops/attention.h"

namespace clinote {

struct inference_state {
    int64_t n_ctx = 0;    // most positions the cache may hold
    int64_t n_past = 0;   // positions already in the cache
    // F16 (as llama.cpp's default cache) when the weights are stored below F32 and the
    // matmuls are int8, inference's default: that path is approximate already and F16 keys
    // and values halve what attention reads. F32 for F32 models and for the float reference
    // (`matmul_mode::f32`), which the parity tests use. Fixed when the state is created.
    kv_type cache_type = kv_type::f32;
    // Per layer: [positions, n_head_kv * head_dim]; the pair of cache_type is used.
    std::vector<std::vector<float>> k_cache, v_cache;
    std::vector<std::vector<uint16_t>> k_cache_f16, v_cache_f16;
    // Applied on top of the frozen weights without merging; must outlive the state and
    // match the model (lora_adapter_check). Changing it needs a fresh cache.
    const lora_adapter* adapter = nullptr;
    // Scratch, grown to the largest batch seen.
    std::vector<float> x, h, q, k, v, attn, o, gate, up, logits_rows, lora_xa;
};

// n_ctx <= 0: the model's training context.
inference_state inference_state_create(const model& m, int64_t n_ctx);

// Appends n tokens at positions n_past.. and writes logits: of the last token
// ([n_vocab]) or, with all_logits, of every token ([n, n_vocab]). Throws clinote::error if
// the context is full or a token id is outside the vocabulary.
void model_forward(const model& m, inference_state& st, const int32_t* tokens, int64_t n, float* logits,
                   bool all_logits = false);

// Forgets positions from n_keep on (e.g. to reuse a shared prompt prefix).
void inference_state_truncate(inference_state& st, int64_t n_keep);

}  // namespace clinote
