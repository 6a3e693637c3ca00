// Cutting a long recording into pieces for Whisper (which sees 30 s at a time): about
// `target_s` long, cut in silences the VAD found, never longer than `max_s`.
#pragma once
#include <cstdint>
#include <vector>

#include "speech/vad.h"

namespace clinote {

struct vad_chunk_options {
    double target_s = 20.0;
    double max_s = 30.0;  // Whisper's window
    vad_options vad;      // how speech segments are found (max_speech_s is capped at max_s)
};

struct audio_chunk {
    int64_t start = 0, end = 0;  // samples, end exclusive
    bool has_speech = false;     // overlaps a speech segment (a silent chunk need not be transcribed)
};

// Chunks that cover [0, n_samples) without gaps or overlap. While more than max_s remains,
// the next cut is made in a silence (outside every speech segment, 0.2 s from speech or in
// the middle of a shorter silence) at the point nearest to target_s from the chunk's start;
// when speech runs on for the whole window, at its least speech-like frame in the window's
// second half. Throws for target_s <= 0 or max_s < target_s.
std::vector<audio_chunk> vad_chunks(const std::vector<float>& probs, int64_t n_samples,
                                    const vad_chunk_options& options = {});

}  // namespace clinote
