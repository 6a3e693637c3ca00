// Decoding one 30 s window, as openai-whisper's decoding.py: the SOT sequence (language,
// task, <|notimestamps|>) after an optional previous-text prompt, logit filters (blank and
// suppressed tokens, timestamp rules), greedy / sampling / beam search, and the figures the
// transcribe loop's fallback reads (average log-probability, no-speech probability,
// compression ratio).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "speech/whisper_decoder.h"

namespace clinote {

struct whisper_decoding_options {
    std::string language = "en";  // a code such as "en"; empty: detected from the audio
    bool translate = false;       // task <|translate|> (to English) instead of <|transcribe|>
    bool timestamps = true;       // false: <|notimestamps|> in the SOT sequence
    int beam_size = 5;            // at temperature 0; 1: greedy
    float patience = 1.0f;        // beam search stops after round(beam_size · patience) finished candidates
    int best_of = 5;              // candidates sampled at temperature > 0
    int max_initial_timestamp_index = 50;  // the first timestamp is at most 1.00 s
    int sample_len = 0;           // most tokens sampled; 0: n_text_ctx / 2
    uint64_t seed = 0;            // sampling at temperature > 0
};

struct whisper_decoding_result {
    std::vector<int32_t> tokens;  // sampled tokens, without <|endoftext|>
    std::string text;             // text tokens decoded (timestamps and specials dropped), trimmed
    std::string language;
    float avg_logprob = 0.0f;     // sum of log-probabilities / (tokens + 1)
    float no_speech_prob = 0.0f;  // P(<|nospeech|>) at the SOT position
    float temperature = 0.0f;
    float compression_ratio = 0.0f;
};

// prompt: previous text tokens (put after <|startofprev|>, at most n_text_ctx/2 - 1 kept).
whisper_decoding_result whisper_decode_window(const whisper_model& m, const whisper_cross_kv& cross,
                                              const std::vector<int32_t>& prompt,
                                              const whisper_decoding_options& opt, float temperature);

// Language detection from the logits after <|startoftranscript|>: the most probable code.
std::string whisper_detect_language(const whisper_model& m, const whisper_cross_kv& cross);

// len(utf8) / len(zlib.compress(utf8)): high for repetitive, looping output.
float whisper_compression_ratio(const std::string& text);

// The SOT sequence openai-whisper builds: sot, language, task, and <|notimestamps|> without timestamps.
std::vector<int32_t> whisper_sot_sequence(const whisper_vocab& v, const std::string& language, bool translate,
                                          bool timestamps);

// Text of the text tokens (ids below <|endoftext|>), specials and timestamps dropped.
std::string whisper_tokens_text(const whisper_model& m, const std::vector<int32_t>& tokens);

}  // namespace clinote
