// Choosing the next token from logits, in the order transformers applies its processors:
// repetition penalty, temperature, top-k, top-p, min-p, then a draw (or argmax when greedy).
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace clinote {

struct sampler_params {
    float temperature = 0.0f;     // 0: greedy
    int top_k = 0;                // 0: off
    float top_p = 1.0f;           // 1: off
    float min_p = 0.0f;           // 0: off
    float repeat_penalty = 1.0f;  // 1: off; >1 discourages tokens already in the window
    int repeat_last_n = 64;       // the window; 0: the whole history
    uint64_t seed = 0;
};

struct sampler {
    sampler_params params;
    std::mt19937_64 rng;
    std::vector<std::pair<float, int32_t>> candidates;  // scratch
};

sampler sampler_create(const sampler_params& params);

// logits may be modified. history: prompt + generated tokens so far.
int32_t sampler_sample(sampler& s, float* logits, int32_t n_vocab, const std::vector<int32_t>& history);

}  // namespace clinote
