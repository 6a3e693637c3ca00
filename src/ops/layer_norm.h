// LayerNorm as torch.nn.LayerNorm: y = (x - mean) / sqrt(var + eps) * w + b, the variance
// biased (divided by dim), per row of `dim` values. Whisper normalises this way (not RMSNorm).
#pragma once
#include <cstdint>

namespace clinote {

// y may alias x.
void layer_norm_forward(const float* x, const float* w, const float* b, float eps, float* y, int64_t n_rows,
                        int64_t dim);

}  // namespace clinote
