// Causal grouped-query attention over whole sequences, for training: a batch of rows of
// seq_len tokens each, with padding and packed-sequence masks and an optional sliding window.
// The forward keeps one log-sum-exp per query and head; the backward recomputes the softmax
// from it, so memory stays linear in the sequence length (as FlashAttention does).
#pragma once
#include <cstdint>

#include "ops/attention.h"

namespace clinote {

// Both arrays are [n_batch * seq_len] or null.
struct attention_mask {
    // 0 marks padding: a padding token attends to nothing (its output is 0) and no token
    // attends to it. Null: every token is real.
    const uint8_t* valid = nullptr;
    // Packed sequences: a token attends only to earlier tokens with the same segment id.
    // Null: each batch row is one sequence.
    const int32_t* segment = nullptr;
};

// q: [n_batch * seq_len, n_head, head_dim]; k, v: [n_batch * seq_len, n_head_kv, head_dim];
// out: [n_batch * seq_len, n_head * head_dim]; lse: [n_batch * seq_len, n_head], the log of
// each softmax's denominator (-inf for a query that sees no key), kept for the backward.
// shape.window > 0: query i sees keys i - window < j <= i (distances within a segment are
// those of its restarted positions).
void attention_train_forward(const attention_shape& shape, const attention_mask& mask, const float* q, const float* k,
                             const float* v, float* out, float* lse, int64_t n_batch, int64_t seq_len);

// From the forward's q, k, v, out, lse and dout [like out], adds dq, dk and dv (each shaped as
// its input). Parallel over (batch row, kv head), so each thread owns its slices of dk and dv.
void attention_train_backward(const attention_shape& shape, const attention_mask& mask, const float* q, const float* k,
                              const float* v, const float* out, const float* lse, const float* dout, float* dq,
                              float* dk, float* dv, int64_t n_batch, int64_t seq_len);

}  // namespace clinote
