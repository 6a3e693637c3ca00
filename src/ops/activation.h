// Gated MLP activations: out = act(gate) * up, with SiLU (SwiGLU: Llama, Qwen2) or the tanh
// approximation of GeLU (GeGLU: Gemma).
#pragma once
#include <cstdint>

namespace clinote {

enum class activation { silu, gelu_tanh };

void glu_forward(const float* gate, const float* up, float* out, int64_t n, activation act);

}  // namespace clinote
