// Whisper's audio encoder: two convolutions with GELU (the second halves the frame rate),
// position table, pre-LayerNorm transformer blocks, final LayerNorm.
#pragma once
#include <cstdint>
#include <vector>

#include "speech/whisper_model.h"

namespace clinote {

// mel: [n_mels, 2 * n_audio_ctx] (a 30 s window, padded as whisper_mel does); returns
// [n_audio_ctx, d_model]. Throws clinote::error if the shape does not fit the model.
std::vector<float> whisper_encode(const whisper_model& m, const float* mel, int n_mels, int64_t n_frames);

}  // namespace clinote
