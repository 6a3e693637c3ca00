#include <samplerate.h>

#include "audio/audio_read.h"
#include "core/error.h"

namespace clinote {

namespace {
constexpr int target_rate = 16000;
// Beyond this a header is surely corrupt (the highest common rate is 384 kHz).
constexpr int max_rate = 1000000;
}  // namespace

std::vector<float> audio_to_mono_16k(const float* interleaved, int64_t n_frames, int channels, int sample_rate,
                                     const std::string& where) {
    if (channels < 1) fail(where, "invalid channel count " + std::to_string(channels));
    if (sample_rate < 1 || sample_rate > max_rate) fail(where, "invalid sample rate " + std::to_string(sample_rate));
    if (n_frames < 0) fail(where, "negative frame count");

    std::vector<float> mono(size_t(n_frames), 0.0f);
    for (int64_t i = 0; i < n_frames; i++) {
        float sum = 0.0f;
        for (int c = 0; c < channels; c++) sum += interleaved[i * channels + c];
        mono[size_t(i)] = sum / float(channels);
    }
    if (sample_rate == target_rate || n_frames == 0) return mono;

    const double ratio = double(target_rate) / double(sample_rate);
    std::vector<float> out(size_t(double(n_frames) * ratio) + 16);
    SRC_DATA data{};
    data.data_in = mono.data();
    data.input_frames = long(n_frames);
    data.data_out = out.data();
    data.output_frames = long(out.size());
    data.src_ratio = ratio;
    const int rc = src_simple(&data, SRC_SINC_BEST_QUALITY, 1);
    if (rc != 0) fail(where, std::string("resampling to 16 kHz failed (libsamplerate: ") + src_strerror(rc) + ")");
    out.resize(size_t(data.output_frames_gen));
    return out;
}

}  // namespace clinote
