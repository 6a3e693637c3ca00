// The F32 dot product of the decode paths (attention's q·k, the float matmul's rows).
#pragma once
#include <cstdint>

namespace clinote {

// Sixteen independent partial sums: a single running sum is a chain of dependent adds the
// compiler may not reorder (strict IEEE), so it would stay scalar; lanes let it use vector
// FMAs. Half of a decoded token once went to the scalar version in attention.
inline float dot_f32(const float* a, const float* b, int64_t n) {
    constexpr int lanes = 16;
    float acc[lanes] = {};
    int64_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (int l = 0; l < lanes; l++) acc[l] += a[i + l] * b[i + l];
    float sum = 0.0f;
    for (; i < n; i++) sum += a[i] * b[i];
    for (int l = 0; l < lanes; l++) sum += acc[l];
    return sum;
}

}  // namespace clinote
