// Attention without a causal mask: every query sees every key (an encoder's self-attention,
// a decoder's cross-attention over the encoder output). Multi-head, same head count for
// queries and keys. Per head, scores and outputs are two sgemm calls.
#pragma once
#include <cstdint>

namespace clinote {

// q: [n_q, n_head * head_dim]; k, v: [n_kv, n_head * head_dim]; out: [n_q, n_head * head_dim].
// scale multiplies q·k.
void attention_full_forward(const float* q, const float* k, const float* v, float* out, int64_t n_q, int64_t n_kv,
                            int n_head, int head_dim, float scale);

}  // namespace clinote
