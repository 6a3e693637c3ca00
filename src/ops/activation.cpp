#include "ops/activation.h"

#include <cmath>

namespace clinote {

static float silu(float x) { return x / (1.0f + std::exp(-x)); }

static float silu_grad(float x) {
    const float sig = 1.0f / (1.0f + std::exp(-x));
    return sig * (1.0f + x * (1.0f - sig));
}

static constexpr float gelu_k = 0.7978845608028654f;  // sqrt(2/pi)
static constexpr float gelu_c = 0.044715f;

static float gelu_tanh(float x) { return 0.5f * x * (1.0f + std::tanh(gelu_k * (x + gelu_c * x * x * x))); }

// d/dx of 0.5·x·(1 + tanh(u)), u = k·(x + c·x³).
static float gelu_tanh_grad(float x) {
    const float th = std::tanh(gelu_k * (x + gelu_c * x * x * x));
    return 0.5f * (1.0f + th) + 0.5f * x * (1.0f - th * th) * gelu_k * (1.0f + 3.0f * gelu_c * x * x);
}

void glu_forward(const float* gate, const float* up, float* out, int64_t n, activation act) {
    if (act == activation::silu)
        for (int64_t i = 0; i < n; i++) out[i] = silu(gate[i]) * up[i];
    else
        for (int64_t i = 0; i < n; i++) out[i] = gelu_tanh(gate[i]) * up[i];
}

void glu_backward(const float* gate, const float* up, const float* dout, float* dgate, float* dup, int64_t n,
                  activation act) {
    if (act == activation::silu) {
        for (int64_t i = 0; i < n; i++) {
            dgate[i] += dout[i] * up[i] * silu_grad(gate[i]);
            dup[i] += dout[i] * silu(gate[i]);
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            dgate[i] += dout[i] * up[i] * gelu_tanh_grad(gate[i]);
            dup[i] += dout[i] * gelu_tanh(gate[i]);
        }
    }
}

void softcap_forward(float* x, int64_t n, float cap) {
    for (int64_t i = 0; i < n; i++) x[i] = std::tanh(x[i] / cap) * cap;
}

void softcap_backward(const float* y, float* dy, int64_t n, float cap) {
    for (int64_t i = 0; i < n; i++) {
        const float t = y[i] / cap;
        dy[i] *= 1.0f - t * t;
    }
}

}  // namespace clinote
