// Gated MLP activations: out = act(gate) * up, with SiLU (SwiGLU: Llama, Qwen2) or the tanh
// approximation of GeLU (GeGLU: Gemma).
#pragma once
#include <cstdint>

namespace clinote {

enum class activation { silu, gelu_tanh };

void glu_forward(const float* gate, const float* up, float* out, int64_t n, activation act);
// From the forward's inputs: dgate += dout·up·act'(gate), dup += dout·act(gate).
void glu_backward(const float* gate, const float* up, const float* dout, float* dgate, float* dup, int64_t n,
                  activation act);

// Logit soft-capping (Gemma): x = cap·tanh(x / cap), in place.
void softcap_forward(float* x, int64_t n, float cap);
// From the capped output y: dx = dy·(1 - (y/cap)²), in place on dy.
void softcap_backward(const float* y, float* dy, int64_t n, float cap);

}  // namespace clinote
