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

}  // namespace clinote
