#include "ops/loss.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "ops/exp_vec.h"
#include "ops/parallel.h"

namespace clinote {

// Checked before the parallel loops, as an exception must not leave a pool's worker thread.
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

// Σ exp(z[i] - max_z) over a row of logits, eight lanes at a time (a 49,152-word vocabulary
// makes the exponentials most of the loss's time); partial sums of 256 values go to a double.
static double sum_exp_shifted(const float* z, int64_t n, float max_z) {
    double sum = 0.0;
    int64_t i = 0;
    while (i + 8 <= n) {
        f32x8 acc{};
        for (const int64_t end = std::min(n, i + 256); i + 8 <= end; i += 8) acc += exp_nonpositive(load8(z + i) - max_z);
        for (int l = 0; l < 8; l++) sum += double(acc[l]);
    }
    for (; i < n; i++) sum += std::exp(z[i] - max_z);
    return sum;
}

cross_entropy_result cross_entropy_forward(const float* logits, const int32_t* targets, float* lse, int64_t n_rows,
                                           int64_t n_vocab) {
    const int64_t counted = targets_check(targets, n_rows, n_vocab);
    ops_thread_pool().run(n_rows, 1, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) {
            const float* z = logits + r * n_vocab;
            const float max_z = *std::max_element(z, z + n_vocab);
            lse[r] = max_z + float(std::log(sum_exp_shifted(z, n_vocab, max_z)));
        }
    });
    double sum = 0.0;
    for (int64_t r = 0; r < n_rows; r++)
        if (targets[r] != cross_entropy_ignore) sum += double(lse[r]) - double(logits[r * n_vocab + targets[r]]);
    return {counted > 0 ? sum / double(counted) : 0.0, counted};
}

void cross_entropy_backward(const float* logits, const int32_t* targets, const float* lse, float grad_scale,
                            float* dlogits, int64_t n_rows, int64_t n_vocab) {
    targets_check(targets, n_rows, n_vocab);
    ops_thread_pool().run(n_rows, 1, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) {
            const float* z = logits + r * n_vocab;
            float* d = dlogits + r * n_vocab;
            if (targets[r] == cross_entropy_ignore) {
                std::fill(d, d + n_vocab, 0.0f);
                continue;
            }
            for (int64_t i = 0; i < n_vocab; i++) d[i] = z[i] - lse[r];  // <= 0: lse[r] >= every z[i]
            exp_nonpositive_in_place(d, n_vocab);
            for (int64_t i = 0; i < n_vocab; i++) d[i] *= grad_scale;
            d[targets[r]] -= grad_scale;
        }
    });
}

}  // namespace clinote
