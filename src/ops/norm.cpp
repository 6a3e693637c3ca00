#include "ops/norm.h"

#include <cmath>

namespace clinote {

void rms_norm_forward(const float* x, const float* w, float w_offset, float eps, float* y, int64_t n_rows, int64_t dim) {
    for (int64_t r = 0; r < n_rows; r++) {
        const float* xr = x + r * dim;
        float* yr = y + r * dim;
        double sum_sq = 0.0;
        for (int64_t i = 0; i < dim; i++) sum_sq += double(xr[i]) * xr[i];
        const float inv_rms = 1.0f / std::sqrt(float(sum_sq / double(dim)) + eps);
        for (int64_t i = 0; i < dim; i++) yr[i] = xr[i] * inv_rms * (w[i] + w_offset);
    }
}

void rms_norm_backward(const float* x, const float* w, float w_offset, float eps, const float* dy, float* dx, float* dw,
                       int64_t n_rows, int64_t dim) {
    for (int64_t r = 0; r < n_rows; r++) {
        const float* xr = x + r * dim;
        const float* dyr = dy + r * dim;
        float* dxr = dx + r * dim;
        double sum_sq = 0.0, dot = 0.0;  // dot = Σ dy·g·x, the part of dy along x
        for (int64_t i = 0; i < dim; i++) {
            sum_sq += double(xr[i]) * xr[i];
            dot += double(dyr[i]) * (w[i] + w_offset) * xr[i];
        }
        const float inv_rms = 1.0f / std::sqrt(float(sum_sq / double(dim)) + eps);
        // y = x·r·g with r = (mean(x²) + eps)^-1/2, so ∂r/∂x_i = -r³·x_i/dim.
        const float k = float(dot / double(dim)) * inv_rms * inv_rms * inv_rms;
        for (int64_t i = 0; i < dim; i++) {
            dxr[i] += dyr[i] * (w[i] + w_offset) * inv_rms - k * xr[i];
            if (dw) dw[i] += dyr[i] * xr[i] * inv_rms;
        }
    }
}

}  // namespace clinote
