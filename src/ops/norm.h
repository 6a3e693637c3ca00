// RMSNorm: y = x / sqrt(mean(x²) + eps) * (w + w_offset). Gemma stores w - 1 in Hugging Face
// checkpoints (w_offset = 1); Llama, Qwen2 and GGUF files store the scale itself (w_offset = 0).
#pragma once
#include <cstdint>

namespace clinote {

void rms_norm_forward(const float* x, const float* w, float w_offset, float eps, float* y, int64_t n_rows, int64_t dim);

}  // namespace clinote
