// exp over a row of non-positive values (softmax after subtracting the row maximum), shared
// by decode attention and training attention.
#pragma once
#include <bit>
#include <cstdint>

namespace clinote {

// A branch-free loop the compiler vectorises (std::exp is a scalar call per element: a
// third of a decoded token at depth 512). exp(x) = 2^n * exp(f) with n = round(x / ln 2)
// (rounded by adding and subtracting 1.5 * 2^23, which vectorises where std::floor does
// not), |f| <= ln2 / 2, exp(f) by Cephes' expf polynomial; relative error about 2e-7.
// Inputs below -87 (exp < 2e-38, nothing next to the maximum's 1) are clamped.
inline void exp_nonpositive_in_place(float* x, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i] < -87.0f ? -87.0f : x[i];
        const float k = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest: 1.5 * 2^23
        const float f = v - k * 0.693359375f + k * 2.12194440e-4f;
        float p = 1.9875691500e-4f;
        p = p * f + 1.3981999507e-3f;
        p = p * f + 8.3334519073e-3f;
        p = p * f + 4.1665795894e-2f;
        p = p * f + 1.6666665459e-1f;
        p = p * f + 5.0000001201e-1f;
        p = p * f * f + f + 1.0f;
        const int32_t scale_bits = (int32_t(k) + 127) << 23;
        x[i] = p * std::bit_cast<float>(scale_bits);
    }
}

}  // namespace clinote
