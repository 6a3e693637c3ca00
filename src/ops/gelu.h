// GELU with the exact erf form, x·Φ(x) = x/2·(1 + erf(x/√2)), as torch.nn.functional.gelu's
// default (Whisper's activation; activation.h holds the tanh approximation for gated MLPs).
#pragma once
#include <cstdint>

namespace clinote {

void gelu_erf_forward(float* x, int64_t n);  // in place

}  // namespace clinote
