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

// How cached keys and values are stored: F16 halves the bytes attention reads per token
// (as llama.cpp's default cache); F32 is exact, for the reference paths.
enum class kv_type { f32, f16 };

// Keys and values as [positions, n_head_kv, head_dim] of `type` (float or uint16_t halves).
struct kv_cache_view {
    kv_type type = kv_type::f32;
    const void* k = nullptr;
    const void* v = nullptr;
};

// q: [n_tokens, n_head, head_dim] at positions pos0 .. pos0 + n_tokens - 1.
// kv: holds at least positions 0 .. pos0 + n_tokens - 1, these tokens included.
// out: [n_tokens, n_head * head_dim].
void attention_forward(const attention_shape& shape, const float* q, const kv_cache_view& kv, float* out,
                       int64_t n_tokens, int64_t pos0);

}  // namespace clinote
