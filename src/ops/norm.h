// RMSNorm: y = x / sqrt(mean(x²) + eps) * (w + w_offset). Gemma stores w - 1 in Hugging Face
// checkpoints (w_offset = 1); Llama, Qwen2 and GGUF files store the scale itself (w_offset = 0).
#pragma once
#include <cstdint>

namespace clinote {

void rms_norm_forward(const float* x, const float* w, float w_offset, float eps, float* y, int64_t n_rows, int64_t dim);

// Backward from the forward's input x (1/rms is recomputed, nothing else is saved):
// dx += ∂y/∂x · dy, and, if dw is not null, dw += Σ_rows dy ∘ x / rms (w_offset is a
// constant, so the gradient of the stored w and of w + w_offset are the same).
// dx must not alias dy or x.
void rms_norm_backward(const float* x, const float* w, float w_offset, float eps, const float* dy, float* dx, float* dw,
                       int64_t n_rows, int64_t dim);

}  // namespace clinote
