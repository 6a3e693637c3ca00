#include "ops/norm.h"

#include <algorithm>
#include <cmath>

#include "ops/parallel.h"

namespace clinote {

// Rows per chunk of the pool's loops: about 16k values.
static int64_t rows_grain(int64_t dim) { return std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(1, dim)); }

void rms_norm_forward(const float* x, const float* w, float w_offset, float eps, float* y, int64_t n_rows,
                      int64_t dim) {
    ops_thread_pool().run(n_rows, rows_grain(dim), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) {
            const float* xr = x + r * dim;
            float* yr = y + r * dim;
            double sum_sq = 0.0;
            for (int64_t i = 0; i < dim; i++) sum_sq += double(xr[i]) * xr[i];
            const float inv_rms = 1.0f / std::sqrt(float(sum_sq / double(dim)) + eps);
            for (int64_t i = 0; i < dim; i++) yr[i] = xr[i] * inv_rms * (w[i] + w_offset);
        }
    });
}

void rms_norm_backward(const float* x, const float* w, float w_offset, float eps, const float* dy, float* dx, float* dw,
                       int64_t n_rows, int64_t dim) {
    // dw sums over rows: with it the rows run in order on one thread.
    const auto rows = [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) {
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
    };
    if (dw)
        rows(0, n_rows);
    else
        ops_thread_pool().run(n_rows, rows_grain(dim), rows);
}

}  // namespace clinote
