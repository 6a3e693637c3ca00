#include "ops/gelu.h"

#include <cmath>

namespace clinote {

void gelu_erf_forward(float* x, int64_t n) {
    const float inv_sqrt2 = 0.70710678118654752f;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * inv_sqrt2));
}

}  // namespace clinote
