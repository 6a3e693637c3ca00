// Whisper (Radford et al. 2022): an encoder over 30 s of log-mel frames and a text decoder
// with self- and cross-attention. Loaded from a Hugging Face directory in
// WhisperForConditionalGeneration's names (config.json, model.safetensors, tokenizer.json),
// or from a CTranslate2 directory (model.bin, as faster-whisper's models ship) read under
// the same names.
// Matrices stay in the mapped file in their stored type; norms, biases and position tables
// are F32 copies.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "speech/whisper_ct2.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace clinote {

struct whisper_config {
    int n_mels = 80;
    int n_vocab = 0;
    int d_model = 0;
    int n_audio_ctx = 0;   // encoder positions (1500: 30 s at 20 ms)
    int n_audio_layer = 0;
    int n_audio_head = 0;
    int n_text_ctx = 0;    // decoder positions (448)
    int n_text_layer = 0;
    int n_text_head = 0;
    int n_ff_audio = 0;
    int n_ff_text = 0;
};

// The special tokens, found by their text in the tokenizer (multilingual and English-only
// vocabularies number them differently).
struct whisper_vocab {
    int32_t eot = -1, sot = -1, translate = -1, transcribe = -1, sot_lm = -1, sot_prev = -1, no_speech = -1,
            no_timestamps = -1, timestamp_begin = -1;
    int32_t first_language = -1;        // <|en|>
    std::vector<std::string> languages;  // codes in id order from first_language
    std::vector<int32_t> suppress;       // suppressed at every step (openai's "-1" default set)
    std::vector<int32_t> suppress_begin; // suppressed at the first sampled position (" " and eot)
    bool multilingual() const { return first_language >= 0; }
    int32_t language_id(const std::string& code) const;  // -1 if unknown
};

// A linear layer's bias, or null when it has none (Whisper's key projections).
inline const float* linear_bias(const linear_weight& l) { return l.bias.empty() ? nullptr : l.bias.data(); }

struct whisper_encoder_layer {
    std::vector<float> attn_ln_w, attn_ln_b, ffn_ln_w, ffn_ln_b;
    linear_weight q, k, v, o, fc1, fc2;
};

struct whisper_decoder_layer {
    std::vector<float> attn_ln_w, attn_ln_b, cross_ln_w, cross_ln_b, ffn_ln_w, ffn_ln_b;
    linear_weight q, k, v, o, cross_q, cross_k, cross_v, cross_o, fc1, fc2;
};

struct whisper_model {
    std::string path;
    whisper_config config;
    tokenizer tok;
    whisper_vocab vocab;
    tensor_view conv1_w, conv2_w;  // {d, n_mels, 3}, {d, d, 3}
    std::vector<float> conv1_b, conv2_b;
    std::vector<float> audio_pos;  // [n_audio_ctx, d]
    std::vector<whisper_encoder_layer> enc;
    std::vector<float> enc_ln_w, enc_ln_b;
    tensor_view tok_embd;          // {n_vocab, d}, also the output projection (tied)
    std::vector<float> text_pos;   // [n_text_ctx, d]
    std::vector<whisper_decoder_layer> dec;
    std::vector<float> dec_ln_w, dec_ln_b;
    // Where tensor_views point: one of the two.
    std::unique_ptr<safetensors_set> safetensors;
    std::unique_ptr<whisper_ct2_model> ct2;
};

// `dir`: config.json, model.safetensors (or shards), tokenizer.json; generation_config.json,
// if present, supplies suppress_tokens and begin_suppress_tokens. Or a CTranslate2 directory:
// model.bin, config.json, tokenizer.json. Throws clinote::error naming the file and the problem.
std::unique_ptr<whisper_model> whisper_load(const std::string& dir);

whisper_config whisper_config_from_hf(const std::string& config_json_text, const std::string& where);

// Special ids from the tokenizer; suppress lists from generation_config.json's JSON text
// (empty: openai-whisper's default set, computed from the vocabulary as its tokenizer does).
whisper_vocab whisper_vocab_make(const tokenizer& tok, const std::string& generation_config_text,
                                 const std::string& where);

}  // namespace clinote
