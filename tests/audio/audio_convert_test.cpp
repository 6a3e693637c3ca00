// audio_to_mono_16k, the path of raw PCM frames (the browser's AudioWorklet): known tones
// at common device rates keep their frequency and amplitude, channels are averaged.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "audio/audio_read.h"
#include "audio/audio_resampler.h"
#include "core/error.h"
#include "tone_measure.h"

namespace clinote {
namespace {

using namespace clinote::test;

// Stereo: 523.25 Hz would not fit the window, so tones are multiples of 5 Hz.
std::vector<float> stereo_tones(int rate, double seconds) {
    const int64_t n = int64_t(std::lround(rate * seconds));
    std::vector<float> x(size_t(n) * 2);
    for (int64_t i = 0; i < n; i++) {
        const double t = double(i) / rate;
        x[size_t(2 * i)] = float(0.6 * std::sin(2 * std::numbers::pi * 250.0 * t));
        x[size_t(2 * i + 1)] = float(0.2 * std::sin(2 * std::numbers::pi * 3000.0 * t));
    }
    return x;
}

class DeviceRates : public ::testing::TestWithParam<int> {};

TEST_P(DeviceRates, TonesSurviveResampling) {
    const int rate = GetParam();
    const std::vector<float> x = stereo_tones(rate, 0.3);
    const std::vector<float> y = audio_to_mono_16k(x.data(), int64_t(x.size() / 2), 2, rate);
    EXPECT_NEAR(double(y.size()), 0.3 * 16000, 1.0);
    EXPECT_NEAR(tone_amplitude(y, 250.0), 0.3, 1e-3);
    EXPECT_NEAR(tone_amplitude(y, 3000.0), 0.1, 1e-3);
    EXPECT_LT(tone_residual_rms(y, {250.0, 3000.0}), 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Rates, DeviceRates, ::testing::Values(8000, 16000, 22050, 44100, 48000, 96000));

// AudioWorklet blocks of 128 frames (and odd sizes) give the one-shot conversion's samples:
// the filter state carries across blocks, so block edges leave no trace.
TEST(AudioResampler, BlocksEqualWholeStream) {
    for (int rate : {16000, 44100, 48000}) {
        const std::vector<float> x = stereo_tones(rate, 0.3);
        const int64_t n = int64_t(x.size() / 2);
        const std::vector<float> whole = audio_to_mono_16k(x.data(), n, 2, rate);
        for (int64_t block : {int64_t(128), int64_t(1000), int64_t(7)}) {
            audio_resampler r = audio_resampler_new(rate, 2, "microphone");
            std::vector<float> streamed;
            for (int64_t i = 0; i < n; i += block) {
                const int64_t len = std::min(block, n - i);
                const std::vector<float> part = audio_resampler_push(r, x.data() + 2 * i, len, false);
                streamed.insert(streamed.end(), part.begin(), part.end());
            }
            const std::vector<float> tail = audio_resampler_push(r, nullptr, 0, true);
            streamed.insert(streamed.end(), tail.begin(), tail.end());
            ASSERT_EQ(streamed.size(), whole.size()) << rate << " Hz, blocks of " << block;
            double max_diff = 0;
            for (size_t i = 0; i < whole.size(); i++) max_diff = std::max(max_diff, double(std::fabs(streamed[i] - whole[i])));
            EXPECT_LT(max_diff, 1e-6) << rate << " Hz, blocks of " << block;
        }
    }
}

TEST(AudioConvert, SixteenKilohertzMonoIsUnchanged) {
    const std::vector<float> x = {0.1f, -0.2f, 0.3f, 0.0f, 1.0f};
    EXPECT_EQ(audio_to_mono_16k(x.data(), 5, 1, 16000), x);
}

TEST(AudioConvert, ChannelsAreAveraged) {
    const std::vector<float> x = {1.0f, 0.0f, -0.5f, 0.5f, 0.25f, 0.75f};  // 3 stereo frames
    const std::vector<float> y = audio_to_mono_16k(x.data(), 3, 2, 16000);
    EXPECT_EQ(y, (std::vector<float>{0.5f, 0.0f, 0.5f}));
}

TEST(AudioConvert, NoFramesGivesNoSamples) {
    EXPECT_TRUE(audio_to_mono_16k(nullptr, 0, 1, 48000).empty());
}

TEST(AudioConvert, BadFormatIsAnError) {
    const float x[2] = {0, 0};
    EXPECT_THROW(audio_to_mono_16k(x, 1, 0, 16000), error);
    EXPECT_THROW(audio_to_mono_16k(x, 1, 2, 0), error);
    EXPECT_THROW(audio_to_mono_16k(x, 1, 2, -44100), error);
    try {
        audio_to_mono_16k(x, 1, 1, 0, "microphone");
        ADD_FAILURE();
    } catch (const error& e) {
        EXPECT_STREQ(e.what(), "microphone: invalid sample rate 0");
    }
}

}  // namespace
}  // namespace clinote
