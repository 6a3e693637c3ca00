// Choosing the next token from logits, in the order transformers applies its processors:
// repetition penalty, the repetition guard (DRY and no-repeat n-grams, over the generated
// text only), temperature, top-k, top-p, min-p, then a draw (or argmax when greedy).
#pragma once
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace clinote {

struct sampler_params {
    float temperature = 0.0f;     // 0: greedy
    int top_k = 0;                // 0: off
    float top_p = 1.0f;           // 1: off
    float min_p = 0.0f;           // 0: off
    float repeat_penalty = 1.0f;  // 1: off; >1 discourages tokens already in the window
    int repeat_last_n = 64;       // the window; 0: the whole history
    // DRY ("don't repeat yourself", as llama.cpp and koboldcpp have it): a token that would
    // continue a sequence the answer already wrote, after a match of L >= dry_allowed_length
    // tokens, loses dry_multiplier * dry_base^(L - dry_allowed_length) from its logit. Matches
    // never cross a sequence breaker (a token with ':', '"' or '*'), so "Heading:" lines and JSON
    // keys may repeat; newlines are no breakers, so a line that repeats an earlier one is caught.
    // Only the generated text is guarded: a note may quote the transcript.
    float dry_multiplier = 0.0f;  // 0: off
    float dry_base = 1.75f;
    int dry_allowed_length = 2;
    // Forbid any token that would repeat an n-gram of the generated text (transformers'
    // no_repeat_ngram_size, over the answer only); 0: off.
    int no_repeat_ngram = 0;
    // OpenAI's penalties over the answer: a token's logit loses frequency_penalty for each
    // time it occurs in the answer, and presence_penalty once if it occurs at all; 0: off.
    float frequency_penalty = 0.0f;
    float presence_penalty = 0.0f;
    uint64_t seed = 0;
};

// The guard clinical notes are written with (clinote note, scribe, eval and the scribe API):
// greedy notes of small models otherwise loop (docs/experiments.md measures it).
sampler_params sampler_params_for_notes();

struct sampler {
    sampler_params params;
    std::mt19937_64 rng;
    // DRY's sequence breakers, by token id (empty: none); set with sampler_breakers_set.
    std::vector<uint8_t> breaker;
    std::vector<std::pair<float, int32_t>> candidates;  // scratch
    std::vector<int32_t> match_length;                 // scratch, per vocabulary entry
};

sampler sampler_create(const sampler_params& params);

// Marks as DRY sequence breakers the tokens whose text (token_text(id)) contains ':', '"' or '*'.
void sampler_breakers_set(sampler& s, int32_t n_vocab, const std::function<std::string(int32_t)>& token_text);

// logits may be modified. history: prompt + generated tokens so far; the repetition guard
// looks at history[n_prompt..] only.
int32_t sampler_sample(sampler& s, float* logits, int32_t n_vocab, const std::vector<int32_t>& history,
                       size_t n_prompt = 0);

}  // namespace clinote
