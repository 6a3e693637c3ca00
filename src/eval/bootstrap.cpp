#include "eval/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"

namespace clinote {

mean_ci bootstrap_mean(const std::vector<double>& values, int resamples, double level, uint64_t seed) {
    mean_ci r;
    r.n = values.size();
    if (values.empty()) return r;
    double total = 0;
    for (double v : values) total += v;
    r.mean = total / double(values.size());
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<size_t> pick(0, values.size() - 1);
    std::vector<double> means(static_cast<size_t>(resamples));
    for (double& m : means) {
        double s = 0;
        for (size_t i = 0; i < values.size(); i++) s += values[pick(rng)];
        m = s / double(values.size());
    }
    std::sort(means.begin(), means.end());
    auto percentile = [&](double q) {
        const double pos = q * double(means.size() - 1);
        const size_t i = size_t(std::floor(pos));
        const size_t j = std::min(i + 1, means.size() - 1);
        return means[i] + (pos - double(i)) * (means[j] - means[i]);
    };
    r.lo = percentile((1 - level) / 2);
    r.hi = percentile((1 + level) / 2);
    return r;
}

mean_ci bootstrap_paired_delta(const std::vector<double>& a, const std::vector<double>& b, int resamples, double level,
                               uint64_t seed) {
    if (a.size() != b.size()) fail("bootstrap", "paired samples differ in size");
    std::vector<double> d(a.size());
    for (size_t i = 0; i < a.size(); i++) d[i] = b[i] - a[i];
    return bootstrap_mean(d, resamples, level, seed);
}

}  // namespace clinote
