// Whisper's text decoder: token + learned position embeddings, pre-LayerNorm blocks of causal
// self-attention (KV cache), cross-attention over the encoder output and a GELU MLP; logits
// through the tied token embedding.
#pragma once
#include <cstdint>
#include <vector>

#include "speech/whisper_model.h"

namespace clinote {

// Keys and values of the cross-attention, computed once per encoded window.
struct whisper_cross_kv {
    int64_t n_audio_ctx = 0;
    std::vector<std::vector<float>> k, v;  // per layer: [n_audio_ctx, d_model]
};

whisper_cross_kv whisper_cross_kv_compute(const whisper_model& m, const std::vector<float>& encoder_out);

struct whisper_decoder_state {
    int64_t n_past = 0;
    int64_t d_model = 0;
    std::vector<std::vector<float>> k_cache, v_cache;  // per layer: [n_text_ctx, d_model]
    std::vector<float> x, h, q, k, v, attn, ff;        // scratch, grown to the largest batch
};

whisper_decoder_state whisper_decoder_state_create(const whisper_model& m);

// Copies the first n_past positions of src's cache (a beam taking over its parent's history).
void whisper_decoder_state_copy(whisper_decoder_state& dst, const whisper_decoder_state& src);

// Appends n tokens at positions n_past.. and writes the logits of tokens first_logit_row..n-1
// into logits ([n - first_logit_row, n_vocab]). Throws clinote::error when the text context
// (n_text_ctx) is full or a token is outside the vocabulary.
void whisper_decode(const whisper_model& m, const whisper_cross_kv& cross, whisper_decoder_state& st,
                    const int32_t* tokens, int64_t n, int64_t first_logit_row, float* logits);

}  // namespace clinote
