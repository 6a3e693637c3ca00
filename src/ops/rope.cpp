#include "ops/rope.h"

#include <cmath>

namespace clinote {

std::vector<float> rope_inv_freq(float base, int head_dim) {
    std::vector<float> f(size_t(head_dim / 2));
    for (int i = 0; i < head_dim / 2; i++) f[size_t(i)] = 1.0f / std::pow(base, float(2 * i) / float(head_dim));
    return f;
}

// Rotates each pair of every head by angle position(t)·inv_freq[i]; direction -1 rotates back.
template <typename Position>
static void rope_rotate(float* x, int64_t n_tokens, int n_heads, int head_dim, Position position, const float* inv_freq,
                        rope_layout layout, float direction) {
    const int half = head_dim / 2;
    for (int64_t t = 0; t < n_tokens; t++) {
        const float pos = float(position(t));
        for (int i = 0; i < half; i++) {
            const float angle = pos * inv_freq[i];
            const float c = std::cos(angle), s = direction * std::sin(angle);
            for (int h = 0; h < n_heads; h++) {
                float* v = x + (t * n_heads + h) * head_dim;
                const int a = layout == rope_layout::interleaved ? 2 * i : i;
                const int b = layout == rope_layout::interleaved ? 2 * i + 1 : i + half;
                const float x0 = v[a], x1 = v[b];
                v[a] = x0 * c - x1 * s;
                v[b] = x0 * s + x1 * c;
            }
        }
    }
}

void rope_forward(float* x, int64_t n_tokens, int n_heads, int head_dim, int64_t pos0, const float* inv_freq,
                  rope_layout layout) {
    rope_rotate(x, n_tokens, n_heads, head_dim, [pos0](int64_t t) { return pos0 + t; }, inv_freq, layout, 1.0f);
}

void rope_forward_positions(float* x, int64_t n_tokens, int n_heads, int head_dim, const int32_t* positions,
                            const float* inv_freq, rope_layout layout) {
    rope_rotate(x, n_tokens, n_heads, head_dim, [positions](int64_t t) { return positions[t]; }, inv_freq, layout, 1.0f);
}

void rope_backward_positions(float* dx, int64_t n_tokens, int n_heads, int head_dim, const int32_t* positions,
                             const float* inv_freq, rope_layout layout) {
    rope_rotate(dx, n_tokens, n_heads, head_dim, [positions](int64_t t) { return positions[t]; }, inv_freq, layout,
                -1.0f);
}

}  // namespace clinote
