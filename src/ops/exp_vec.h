// exp over a row of non-positive values (softmax after subtracting the row maximum), shared
// by decode attention and training attention.
#pragma once
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "ops/vec8.h"

namespace clinote {

// exp(x) = 2^n * exp(f) with n = round(x / ln 2) (rounded by adding and subtracting
// 1.5 * 2^23), |f| <= ln2 / 2, exp(f) by Cephes' expf polynomial; relative error about
// 2e-7. Inputs below -87 (exp < 2e-38, nothing next to the maximum's 1) give 0, so a
// masked score of -inf contributes exactly nothing.
// Written on eight lanes because GCC leaves the clamped scalar loop unvectorised, and a
// scalar std::exp per score was a third of a decoded token at depth 512.
inline f32x8 exp_nonpositive(f32x8 x) {
    const f32x8 v = x < splat8(-87.0f) ? splat8(-87.0f) : x;
    const f32x8 k = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest: 1.5 * 2^23
    const f32x8 f = v - k * 0.693359375f + k * 2.12194440e-4f;
    f32x8 p = splat8(1.9875691500e-4f);
    p = p * f + 1.3981999507e-3f;
    p = p * f + 8.3334519073e-3f;
    p = p * f + 4.1665795894e-2f;
    p = p * f + 1.6666665459e-1f;
    p = p * f + 5.0000001201e-1f;
    p = p * f * f + f + 1.0f;
    const i32x8 scale_bits = (__builtin_convertvector(k, i32x8) + 127) << 23;
    const i32x8 in_range = x >= splat8(-87.0f);  // all ones where x >= -87
    return std::bit_cast<f32x8>(std::bit_cast<i32x8>(p * std::bit_cast<f32x8>(scale_bits)) & in_range);
}

inline void exp_nonpositive_in_place(float* x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) store8(x + i, exp_nonpositive(load8(x + i)));
    if (i == n) return;
    float tail[8] = {};
    std::copy(x + i, x + n, tail);
    store8(tail, exp_nonpositive(load8(tail)));
    std::copy(tail, tail + (n - i), x + i);
}

// A softmax's parts over a row of scores: x[i] becomes exp(x[i] - max) (0 for -inf), and the
// max and the sum of the exponentials come back. Eight lanes for the max and the sum too:
// a serial float sum is a chain of dependent adds at 4 cycles each.
struct softmax_parts {
    float max;
    float sum;
};

inline softmax_parts softmax_numerators_in_place(float* x, int64_t n) {
    f32x8 max8 = splat8(-INFINITY);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const f32x8 v = load8(x + i);
        max8 = v > max8 ? v : max8;
    }
    float max = -INFINITY;
    for (int l = 0; l < 8; l++) max = std::max(max, max8[l]);
    for (int64_t j = i; j < n; j++) max = std::max(max, x[j]);
    if (max == -INFINITY) return {max, 0.0f};  // nothing to weigh: leave the row as it is
    f32x8 sum8{};
    for (i = 0; i + 8 <= n; i += 8) {
        const f32x8 e = exp_nonpositive(load8(x + i) - max);
        store8(x + i, e);
        sum8 += e;
    }
    float sum = 0.0f;
    if (i < n) {
        for (int64_t j = i; j < n; j++) x[j] -= max;
        exp_nonpositive_in_place(x + i, n - i);
        for (int64_t j = i; j < n; j++) sum += x[j];
    }
    for (int l = 0; l < 8; l++) sum += sum8[l];
    return {max, sum};
}

}  // namespace clinote
