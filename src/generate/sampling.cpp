#include "generate/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
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

sampler_params sampler_params_for_notes() {
    sampler_params p;
    p.dry_multiplier = 1.5f;
    p.dry_base = 1.75f;
    p.dry_allowed_length = 2;
    return p;
}

void sampler_breakers_set(sampler& s, int32_t n_vocab, const std::function<std::string(int32_t)>& token_text) {
    s.breaker.assign(size_t(n_vocab), 0);
    for (int32_t t = 0; t < n_vocab; t++)
        s.breaker[size_t(t)] = token_text(t).find_first_of(":\"*") != std::string::npos;
}

static bool is_breaker(const sampler& s, int32_t t) {
    return t >= 0 && size_t(t) < s.breaker.size() && s.breaker[size_t(t)];
}

// For each earlier position i of the answer g holding the same token as its end, the tokens
// before i and before the end agree for L positions (no breaker among them); g[i + 1] would
// then repeat a sequence of L + 1 tokens. The longest L per candidate sets its penalty.
static void apply_dry(sampler& s, float* logits, int32_t n_vocab, const int32_t* g, int64_t n) {
    const sampler_params& p = s.params;
    if (p.dry_multiplier <= 0.0f || n < 2 || is_breaker(s, g[n - 1])) return;
    auto& longest = s.match_length;
    longest.assign(size_t(n_vocab), 0);
    for (int64_t i = n - 2; i >= 0; i--) {
        if (g[i] != g[n - 1]) continue;
        int64_t L = 0;
        while (L <= i && g[i - L] == g[n - 1 - L] && !is_breaker(s, g[i - L])) L++;
        const int32_t next = g[i + 1];
        if (next >= 0 && next < n_vocab && !is_breaker(s, next)) longest[size_t(next)] = std::max(longest[size_t(next)], int32_t(L));
    }
    for (int32_t t = 0; t < n_vocab; t++)
        if (longest[size_t(t)] >= p.dry_allowed_length)
            logits[t] -= p.dry_multiplier * std::pow(p.dry_base, float(longest[size_t(t)] - p.dry_allowed_length));
}

// transformers' NoRepeatNGramLogitsProcessor over the answer g.
static void apply_no_repeat_ngram(const sampler_params& p, float* logits, int32_t n_vocab, const int32_t* g, int64_t n) {
    const int64_t k = p.no_repeat_ngram;
    if (k <= 0 || n < k - 1) return;
    for (int64_t i = 0; i + k - 1 < n; i++) {
        if (!std::equal(g + i, g + i + k - 1, g + n - (k - 1))) continue;
        const int32_t banned = g[i + k - 1];
        if (banned >= 0 && banned < n_vocab) logits[banned] = -std::numeric_limits<float>::infinity();
    }
}

static void apply_count_penalties(const sampler_params& p, float* logits, int32_t n_vocab, const int32_t* g, int64_t n) {
    if (p.frequency_penalty == 0.0f && p.presence_penalty == 0.0f) return;
    std::unordered_map<int32_t, int> count;
    for (int64_t i = 0; i < n; i++) count[g[i]]++;
    for (const auto& [t, c] : count)
        if (t >= 0 && t < n_vocab) logits[t] -= float(c) * p.frequency_penalty + p.presence_penalty;
}

int32_t sampler_sample(sampler& s, float* logits, int32_t n_vocab, const std::vector<int32_t>& history,
                       size_t n_prompt) {
    const sampler_params& p = s.params;
    apply_repeat_penalty(p, logits, n_vocab, history);
    if (history.size() > n_prompt) {
        const int32_t* answer = history.data() + n_prompt;
        const int64_t n_answer = int64_t(history.size() - n_prompt);
        apply_count_penalties(p, logits, n_vocab, answer, n_answer);
        apply_dry(s, logits, n_vocab, answer, n_answer);
        apply_no_repeat_ngram(p, logits, n_vocab, answer, n_answer);
    }
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
