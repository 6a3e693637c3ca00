#include "ops/loss.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

namespace clinote {

// Checked before the parallel loops, as an exception must not leave an OpenMP region.
static int64_t targets_check(const int32_t* targets, int64_t n_rows, int64_t n_vocab) {
    int64_t counted = 0;
    for (int64_t r = 0; r < n_rows; r++) {
        if (targets[r] == cross_entropy_ignore) continue;
        if (targets[r] < 0 || targets[r] >= n_vocab)
            fail("cross_entropy targets[" + std::to_string(r) + "]",
                 "token id " + std::to_string(targets[r]) + " outside the vocabulary of " + std::to_string(n_vocab));
        counted++;
    }
    return counted;
}

cross_entropy_result cross_entropy_forward(const float* logits, const int32_t* targets, float* lse, int64_t n_rows,
                                           int64_t n_vocab) {
    const int64_t counted = targets_check(targets, n_rows, n_vocab);
    double sum = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (int64_t r = 0; r < n_rows; r++) {
        const float* z = logits + r * n_vocab;
        const float max_z = *std::max_element(z, z + n_vocab);
        double sum_exp = 0.0;
        for (int64_t i = 0; i < n_vocab; i++) sum_exp += std::exp(z[i] - max_z);
        lse[r] = max_z + float(std::log(sum_exp));
        if (targets[r] != cross_entropy_ignore) sum += double(lse[r]) - double(z[targets[r]]);
    }
    return {counted > 0 ? sum / double(counted) : 0.0, counted};
}

void cross_entropy_backward(const float* logits, const int32_t* targets, const float* lse, float grad_scale,
                            float* dlogits, int64_t n_rows, int64_t n_vocab) {
    targets_check(targets, n_rows, n_vocab);
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < n_rows; r++) {
        const float* z = logits + r * n_vocab;
        float* d = dlogits + r * n_vocab;
        if (targets[r] == cross_entropy_ignore) {
            std::fill(d, d + n_vocab, 0.0f);
            continue;
        }
        for (int64_t i = 0; i < n_vocab; i++) d[i] = grad_scale * std::exp(z[i] - lse[r]);
        d[targets[r]] -= grad_scale;
    }
}

}  // namespace clinote
