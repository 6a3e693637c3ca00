// A voice's description for one stretch of a recording, for telling two speakers apart on a
// mono recording without a diarisation model: the mean and variance of its mel-cepstrum
// frames (MFCC 1..19 of 40 log-mel bands, the classic short-term description of a vocal
// tract), kept as sums so that stretches can be pooled. Only frames within 40 dB of the
// stretch's loudest are counted (the pauses inside it say nothing about the voice); the 0th
// coefficient (loudness) is left out so a louder turn is not another voice.
#pragma once
#include <array>
#include <cstdint>

#include "speech/whisper_mel.h"

namespace clinote {

constexpr int speaker_embedding_mels = 40;
constexpr int speaker_embedding_size = 19;

struct voice_stats {
    double frames = 0.0;
    std::array<double, speaker_embedding_size> sum{}, sum2{};  // per coefficient: Σx, Σx²
};

// The log-mel spectrogram the statistics are read from: whisper_log_mel with
// speaker_embedding_mels bands over the whole 16 kHz recording (100 frames a second).
mel_spectrogram speaker_embedding_mel(const float* samples, int64_t n);

// Frames [frame_begin, frame_end) of that spectrogram (clamped to the recording's own frames);
// an empty stretch counts no frames.
voice_stats speaker_embedding(const mel_spectrogram& mel, int64_t frame_begin, int64_t frame_end);

// Two stretches pooled.
voice_stats voice_stats_add(const voice_stats& a, const voice_stats& b);

// The mean of each coefficient (zeros when no frames).
std::array<double, speaker_embedding_size> voice_stats_mean(const voice_stats& s);

}  // namespace clinote
