#include "ops/layer_norm.h"

#include <cmath>

namespace clinote {

void layer_norm_forward(const float* x, const float* w, const float* b, float eps, float* y, int64_t n_rows,
                        int64_t dim) {
#pragma omp parallel for schedule(static) if (n_rows > 16)
    for (int64_t r = 0; r < n_rows; r++) {
        const float* xr = x + r * dim;
        float* yr = y + r * dim;
        double sum = 0.0;
        for (int64_t i = 0; i < dim; i++) sum += xr[i];
        const double mean = sum / double(dim);
        double sum_sq = 0.0;  // two passes: the one-pass E[x²] - mean² loses digits for large means
        for (int64_t i = 0; i < dim; i++) sum_sq += (xr[i] - mean) * (xr[i] - mean);
        const float inv_std = float(1.0 / std::sqrt(sum_sq / double(dim) + double(eps)));
        const float m = float(mean);
        for (int64_t i = 0; i < dim; i++) yr[i] = (xr[i] - m) * inv_std * w[i] + b[i];
    }
}

}  // namespace clinote
