// The logit filters of openai-whisper's decoding.py, applied in its order before a token is
// chosen: SuppressBlank, SuppressTokens, ApplyTimestampRules.
#pragma once
#include <cstdint>
#include <vector>

#include "speech/whisper_model.h"

namespace clinote {

struct whisper_filter_options {
    bool timestamps = true;
    int max_initial_timestamp_index = 50;  // < 0: no limit
};

// logits: [n_vocab], changed in place (-inf for forbidden tokens). sampled: the tokens chosen
// so far in this window (after the SOT sequence).
void whisper_apply_filters(const whisper_vocab& v, const whisper_filter_options& opt,
                           const std::vector<int32_t>& sampled, float* logits, int32_t n_vocab);

}  // namespace clinote
