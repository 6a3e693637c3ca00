// whisper_log_mel against transformers' WhisperFeatureExtractor (tools/make_audio_golden.py)
// on one second of speech, for Whisper's 80 and 128 mel bins, within 1e-4.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "audio/audio_read.h"
#include "core/error.h"
#include "core/paths.h"
#include "speech/whisper_mel.h"

namespace clinote {
namespace {

std::string golden_speech(const std::string& name) { return source_dir() + "/tests/golden/speech/" + name; }

std::vector<float> read_f32(const std::string& path) {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f) throw std::runtime_error("cannot read " + path + " (run tools/make_audio_golden.py)");
    std::vector<float> v(size_t(f.tellg()) / sizeof(float));
    f.seekg(0);
    f.read(reinterpret_cast<char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
    return v;
}

class WhisperMel : public ::testing::TestWithParam<int> {};

TEST_P(WhisperMel, MatchesWhisperFeatureExtractor) {
    const int n_mels = GetParam();
    std::ifstream jf(golden_speech("mel_golden.json"));
    const nlohmann::json golden = nlohmann::json::parse(jf);
    const nlohmann::json g = golden[std::to_string(n_mels)];
    const std::vector<float> audio = audio_read_mono_16k(golden_speech("mel_input.wav"));
    ASSERT_EQ(int64_t(audio.size()), golden["n_samples"].get<int64_t>());

    const mel_spectrogram mel = whisper_log_mel(audio.data(), int64_t(audio.size()), n_mels);
    ASSERT_EQ(mel.n_mels, n_mels);
    ASSERT_EQ(mel.n_frames, (int64_t(audio.size()) + whisper_chunk_samples) / whisper_hop_length);
    ASSERT_EQ(mel.data.size(), size_t(n_mels) * size_t(mel.n_frames));

    const int64_t kept = g["frames_kept"].get<int64_t>();
    const std::vector<float> ref = read_f32(golden_speech(g["file"].get<std::string>()));
    ASSERT_EQ(ref.size(), size_t(n_mels) * size_t(kept));
    double max_diff = 0;
    for (int m = 0; m < n_mels; m++)
        for (int64_t t = 0; t < kept; t++)
            max_diff = std::max(max_diff, std::fabs(double(mel.data[size_t(m * mel.n_frames + t)]) -
                                                    double(ref[size_t(m * kept + t)])));
    EXPECT_LT(max_diff, 1e-4);
    // Every later frame sees only the appended silence: the clamp floor, max - 8.
    const double floor = g["floor"].get<double>();
    double max_floor_diff = 0;
    for (int m = 0; m < n_mels; m++)
        for (int64_t t = kept; t < mel.n_frames; t++)
            max_floor_diff = std::max(max_floor_diff, std::fabs(double(mel.data[size_t(m * mel.n_frames + t)]) - floor));
    EXPECT_LT(max_floor_diff, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Bins, WhisperMel, ::testing::Values(80, 128));

// Silence: log10 of the 1e-10 floor everywhere, (-10 + 4) / 4; 30 s of padding alone gives
// exactly the encoder's 3000 frames.
TEST(WhisperMelKnown, EmptyAudioIsThirtySecondsOfFloor) {
    const mel_spectrogram mel = whisper_log_mel(nullptr, 0, 80);
    ASSERT_EQ(mel.n_frames, whisper_chunk_frames);
    for (float v : mel.data) ASSERT_FLOAT_EQ(v, -1.5f);
}

// A 1 kHz tone lands in the mel bin whose filter peaks nearest 1 kHz, frame after frame.
TEST(WhisperMelKnown, ToneLightsItsMelBin) {
    std::vector<float> x(16000);
    for (size_t i = 0; i < x.size(); i++) x[i] = float(0.5 * std::sin(2 * std::numbers::pi * 1000.0 * double(i) / 16000));
    const mel_spectrogram mel = whisper_log_mel(x.data(), int64_t(x.size()), 80);
    const std::vector<float> filters = whisper_mel_filters(80);
    const int bin_1k = 1000 * whisper_n_fft / whisper_sample_rate;  // FFT bin 25
    int best_filter = 0;
    for (int m = 1; m < 80; m++)
        if (filters[size_t(m) * 201 + bin_1k] > filters[size_t(best_filter) * 201 + bin_1k]) best_filter = m;
    for (int64_t t = 10; t < 90; t++) {
        int loudest = 0;
        for (int m = 1; m < 80; m++)
            if (mel.data[size_t(m * mel.n_frames + t)] > mel.data[size_t(loudest * mel.n_frames + t)]) loudest = m;
        EXPECT_EQ(loudest, best_filter) << "frame " << t;
    }
}

TEST(WhisperMelKnown, BadArgumentsAreErrors) {
    const float x[1] = {0};
    EXPECT_THROW(whisper_log_mel(x, 1, 0), error);
    EXPECT_THROW(whisper_log_mel(x, -1, 80), error);
}

}  // namespace
}  // namespace clinote
