// Percentile bootstrap confidence intervals for a mean and for a paired difference of means,
// with a fixed seed so a report is reproducible.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace clinote {

struct mean_ci {
    double mean = 0, lo = 0, hi = 0;  // lo/hi: the (1-level)/2 and (1+level)/2 percentiles
    size_t n = 0;
};

mean_ci bootstrap_mean(const std::vector<double>& values, int resamples = 2000, double level = 0.95,
                       uint64_t seed = 1234);
// Mean of b[i] - a[i] over pairs, resampling pairs together (same examples, two systems).
mean_ci bootstrap_paired_delta(const std::vector<double>& a, const std::vector<double>& b, int resamples = 2000,
                               double level = 0.95, uint64_t seed = 1234);

}  // namespace clinote
