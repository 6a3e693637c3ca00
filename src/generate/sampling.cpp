#include "generate/sampling.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace clinote {

sampler sampler_create(const sampler_params& params) {
    sampler s;
    s.params = params;
    s.rng.seed(params.seed);
    return s;
}

static void apply_repeat_penalty(const sampler_params& p, float* logits, int32_t n_vocab,
                                 const std::vector<int32_t>& history) {
    if (p.repeat_penalty == 1.0f) return;
    const size_t start = p.repeat_last_n > 0 && history.size() > size_t(p.repeat_last_n)
                             ? history.size() - size_t(p.repeat_last_n) : 0;
    std::unordered_set<int32_t> seen(history.begin() + long(start), history.end());
    for (int32_t t : seen) {
        if (t < 0 || t >= n_vocab) continue;
        logits[t] = logits[t] < 0 ? logits[t] * p.repeat_penalty : logits[t] / p.repeat_penalty;
    }
}

int32_t sampler_sample(sampler& s, float* logits, int32_t n_vocab, const std::vector<int32_t>& history) {
    const sampler_params& p = s.params;
    apply_repeat_penalty(p, logits, n_vocab, history);
    if (p.temperature <= 0.0f) return int32_t(std::max_element(logits, logits + n_vocab) - logits);

    auto& c = s.candidates;
    c.clear();
    for (int32_t i = 0; i < n_vocab; i++)
        if (std::isfinite(logits[i])) c.emplace_back(logits[i] / p.temperature, i);
    if (c.empty()) return int32_t(std::max_element(logits, logits + n_vocab) - logits);
    std::sort(c.begin(), c.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    if (p.top_k > 0 && size_t(p.top_k) < c.size()) c.resize(size_t(p.top_k));

    // Softmax over the survivors (sorted: c[0] is the largest).
    std::vector<double> prob(c.size());
    double sum = 0;
    for (size_t i = 0; i < c.size(); i++) sum += prob[i] = std::exp(double(c[i].first - c[0].first));
    for (double& x : prob) x /= sum;

    size_t keep = c.size();
    if (p.top_p < 1.0f) {  // smallest prefix whose mass reaches top_p (at least one token)
        double cum = 0;
        for (size_t i = 0; i < c.size(); i++) {
            cum += prob[i];
            if (cum >= double(p.top_p)) { keep = i + 1; break; }
        }
    }
    if (p.min_p > 0.0f) {
        const double floor = double(p.min_p) * prob[0];
        size_t n = 1;
        while (n < keep && prob[n] >= floor) n++;
        keep = n;
    }
    double kept_mass = 0;
    for (size_t i = 0; i < keep; i++) kept_mass += prob[i];
    std::uniform_real_distribution<double> uniform(0.0, kept_mass);
    const double r = uniform(s.rng);
    double cum = 0;
    for (size_t i = 0; i < keep; i++) {
        cum += prob[i];
        if (r < cum) return c[i].second;
    }
    return c[keep - 1].second;
}

}  // namespace clinote
