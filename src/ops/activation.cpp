#include "ops/activation.h"

#include <cmath>

namespace clinote {

static float silu(float x) { return x / (1.0f + std::exp(-x)); }

static float gelu_tanh(float x) {
    const float k = 0.7978845608028654f;  // sqrt(2/pi)
    return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
}

void glu_forward(const float* gate, const float* up, float* out, int64_t n, activation act) {
    if (act == activation::silu)
        for (int64_t i = 0; i < n; i++) out[i] = silu(gate[i]) * up[i];
    else
        for (int64_t i = 0; i < n; i++) out[i] = gelu_tanh(gate[i]) * up[i];
}

}  // namespace clinote
