#include "ops/activation.h"

#include <cmath>

#include "ops/exp_vec.h"
#include "ops/parallel.h"

namespace clinote {

// Elements per chunk of the pool's loops: a few L1-sized pieces of work each.
constexpr int64_t elementwise_grain = 1 << 14;

static float silu(float x) { return x / (1.0f + std::exp(-x)); }

// Eight sigmoids from exp of -|x| (never positive, so exp_nonpositive applies):
// 1 / (1 + e) for x >= 0, e / (1 + e) below.
static f32x8 sigmoid8(f32x8 x) {
    const f32x8 e = exp_nonpositive(x < 0.0f ? x : -x);
    return (x >= 0.0f ? splat8(1.0f) : e) / (1.0f + e);
}

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

// SwiGLU over [begin, end), eight lanes at a time; the scalar functions take the tail.
static void swiglu_forward_range(const float* gate, const float* up, float* out, int64_t begin, int64_t end) {
    int64_t i = begin;
    for (; i + 8 <= end; i += 8) {
        const f32x8 g = load8(gate + i);
        store8(out + i, g * sigmoid8(g) * load8(up + i));
    }
    for (; i < end; i++) out[i] = silu(gate[i]) * up[i];
}

static void swiglu_backward_range(const float* gate, const float* up, const float* dout, float* dgate, float* dup,
                                  int64_t begin, int64_t end) {
    int64_t i = begin;
    for (; i + 8 <= end; i += 8) {
        const f32x8 g = load8(gate + i), d = load8(dout + i), sig = sigmoid8(g);
        store8(dgate + i, load8(dgate + i) + d * load8(up + i) * (sig * (1.0f + g * (1.0f - sig))));
        store8(dup + i, load8(dup + i) + d * g * sig);
    }
    for (; i < end; i++) {
        dgate[i] += dout[i] * up[i] * silu_grad(gate[i]);
        dup[i] += dout[i] * silu(gate[i]);
    }
}

void glu_forward(const float* gate, const float* up, float* out, int64_t n, activation act) {
    ops_thread_pool().run(n, elementwise_grain, [&](int64_t begin, int64_t end) {
        if (act == activation::silu) swiglu_forward_range(gate, up, out, begin, end);
        else
            for (int64_t i = begin; i < end; i++) out[i] = gelu_tanh(gate[i]) * up[i];
    });
}

void glu_backward(const float* gate, const float* up, const float* dout, float* dgate, float* dup, int64_t n,
                  activation act) {
    ops_thread_pool().run(n, elementwise_grain, [&](int64_t begin, int64_t end) {
        if (act == activation::silu) {
            swiglu_backward_range(gate, up, dout, dgate, dup, begin, end);
            return;
        }
        for (int64_t i = begin; i < end; i++) {
            dgate[i] += dout[i] * up[i] * gelu_tanh_grad(gate[i]);
            dup[i] += dout[i] * gelu_tanh(gate[i]);
        }
    });
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
