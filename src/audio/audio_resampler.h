// Converting a live stream (the browser's AudioWorklet posts 128-frame Float32 blocks at
// the device's rate) to 16 kHz mono block by block. Resampling each block on its own would
// restart the filter at every block edge; this keeps the filter's state between blocks.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct SRC_STATE_tag;

namespace clinote {

struct audio_resampler {
    int sample_rate = 0;
    int channels = 0;
    std::string where;  // names the stream in errors
    std::unique_ptr<SRC_STATE_tag, SRC_STATE_tag* (*)(SRC_STATE_tag*)> state{nullptr, nullptr};
};

// Throws clinote::error "<where>: ..." for a channel count below 1 or an impossible rate.
audio_resampler audio_resampler_new(int sample_rate, int channels, const std::string& where = "audio");

// Interleaved frames in, the 16 kHz mono samples ready so far out; `last` flushes the filter
// (the stream is over). Concatenated outputs equal audio_to_mono_16k of the whole stream.
std::vector<float> audio_resampler_push(audio_resampler& r, const float* interleaved, int64_t n_frames, bool last);

}  // namespace clinote
