// Rotary position embedding, in place, for x: [n_tokens, n_heads, head_dim].
// inv_freq[i] (head_dim/2 values) already carries any frequency scaling (linear, llama3).
// Two layouts exist: pairs (2i, 2i+1) as in the original Llama and llama.cpp's GGUF llama
// tensors ("interleaved"), or halves (i, i + head_dim/2) as in Hugging Face (NeoX style).
#pragma once
#include <cstdint>
#include <vector>

namespace clinote {

enum class rope_layout { interleaved, halves };

// inv_freq[i] = 1 / base^(2i / head_dim), computed in float as transformers does.
std::vector<float> rope_inv_freq(float base, int head_dim);

void rope_forward(float* x, int64_t n_tokens, int n_heads, int head_dim, int64_t pos0, const float* inv_freq,
                  rope_layout layout);

// For training: token t sits at positions[t] (packed sequences restart at 0 in each segment).
void rope_forward_positions(float* x, int64_t n_tokens, int n_heads, int head_dim, const int32_t* positions,
                            const float* inv_freq, rope_layout layout);
// Backward of rope_forward_positions, in place on the gradient dx: a rotation's transpose is
// the rotation by the opposite angle.
void rope_backward_positions(float* dx, int64_t n_tokens, int n_heads, int head_dim, const int32_t* positions,
                             const float* inv_freq, rope_layout layout);

}  // namespace clinote
