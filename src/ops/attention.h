// Causal grouped-query attention over a KV cache, with an optional sliding window.
#pragma once
#include <cstdint>

namespace clinote {

struct attention_shape {
    int n_head = 0;
    int n_head_kv = 0;
    int head_dim = 0;
    float scale = 1.0f;      // multiplies q·k
    int window = 0;          // > 0: a query at position p sees keys at p - window < j <= p
};

// q: [n_tokens, n_head, head_dim] at positions pos0 .. pos0 + n_tokens - 1.
// k_cache, v_cache: [>= pos0 + n_tokens, n_head_kv, head_dim], already holding these tokens.
// out: [n_tokens, n_head * head_dim].
void attention_forward(const attention_shape& shape, const float* q, const float* k_cache, const float* v_cache,
                       float* out, int64_t n_tokens, int64_t pos0);

}  // namespace clinote
