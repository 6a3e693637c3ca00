// Reading recordings: WAV, FLAC and Ogg through libsndfile, MP3 through libmpg123, and
// raw PCM frames (the browser's AudioWorklet sends Float32 blocks at the device's rate).
// Everything the speech models see is 16 kHz mono float in [-1, 1].
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace clinote {

// A decoded file as it was recorded: interleaved frames at the file's own rate.
struct audio_pcm {
    int sample_rate = 0;
    int channels = 0;
    std::vector<float> samples;  // frames × channels, interleaved
    int64_t frames() const { return channels > 0 ? int64_t(samples.size()) / channels : 0; }
};

// Decodes a file (the format is found from its first bytes, not its name). Throws
// clinote::error "<path>: <problem>" for a missing, empty, corrupt or unsupported file.
audio_pcm audio_decode(const std::string& path);

// The same for a recording held in memory (an upload); `where` names it in errors.
audio_pcm audio_decode_memory(std::string_view bytes, const std::string& where);

// audio_decode, then audio_to_mono_16k.
std::vector<float> audio_read_mono_16k(const std::string& path);

// Channels averaged, then resampled to 16 kHz with libsamplerate's best sinc converter.
// `where` names the source in errors (a bad rate or channel count).
std::vector<float> audio_to_mono_16k(const float* interleaved, int64_t n_frames, int channels, int sample_rate,
                                     const std::string& where = "audio");

}  // namespace clinote
