#include <samplerate.h>

#include "audio/audio_read.h"
#include "audio/audio_resampler.h"
#include "core/error.h"

namespace clinote {

namespace {
constexpr int target_rate = 16000;
// Beyond this a header is surely corrupt (the highest common rate is 384 kHz).
constexpr int max_rate = 1000000;

std::vector<float> downmix(const float* interleaved, int64_t n_frames, int channels) {
    std::vector<float> mono(size_t(n_frames), 0.0f);
    for (int64_t i = 0; i < n_frames; i++) {
        float sum = 0.0f;
        for (int c = 0; c < channels; c++) sum += interleaved[i * channels + c];
        mono[size_t(i)] = sum / float(channels);
    }
    return mono;
}
}  // namespace

audio_resampler audio_resampler_new(int sample_rate, int channels, const std::string& where) {
    if (channels < 1) fail(where, "invalid channel count " + std::to_string(channels));
    if (sample_rate < 1 || sample_rate > max_rate) fail(where, "invalid sample rate " + std::to_string(sample_rate));
    audio_resampler r;
    r.sample_rate = sample_rate;
    r.channels = channels;
    r.where = where;
    if (sample_rate != target_rate) {
        int err = 0;
        r.state = {src_new(SRC_SINC_BEST_QUALITY, 1, &err), src_delete};
        if (!r.state) fail(where, std::string("cannot start the resampler (libsamplerate: ") + src_strerror(err) + ")");
    }
    return r;
}

std::vector<float> audio_resampler_push(audio_resampler& r, const float* interleaved, int64_t n_frames, bool last) {
    if (n_frames < 0) fail(r.where, "negative frame count");
    std::vector<float> mono = downmix(interleaved, n_frames, r.channels);
    if (!r.state) return mono;

    const double ratio = double(target_rate) / double(r.sample_rate);
    std::vector<float> out;
    std::vector<float> buf(size_t(double(n_frames) * ratio) + 256);
    SRC_DATA data{};
    const float no_input = 0.0f;  // libsamplerate ignores a null input, even when flushing
    data.data_in = mono.empty() ? &no_input : mono.data();
    data.input_frames = long(n_frames);
    data.src_ratio = ratio;
    data.end_of_input = last ? 1 : 0;
    // libsamplerate may hold samples back; with end_of_input it drains over several calls.
    for (;;) {
        data.data_out = buf.data();
        data.output_frames = long(buf.size());
        const int rc = src_process(r.state.get(), &data);
        if (rc != 0) fail(r.where, std::string("resampling to 16 kHz failed (libsamplerate: ") + src_strerror(rc) + ")");
        out.insert(out.end(), buf.begin(), buf.begin() + data.output_frames_gen);
        data.data_in += data.input_frames_used;
        data.input_frames -= data.input_frames_used;
        if (data.input_frames == 0 && (!last || data.output_frames_gen == 0)) break;
        if (data.input_frames_used == 0 && data.output_frames_gen == 0) break;  // nothing moves
    }
    return out;
}

std::vector<float> audio_to_mono_16k(const float* interleaved, int64_t n_frames, int channels, int sample_rate,
                                     const std::string& where) {
    audio_resampler r = audio_resampler_new(sample_rate, channels, where);
    return audio_resampler_push(r, interleaved, n_frames, true);
}

}  // namespace clinote
