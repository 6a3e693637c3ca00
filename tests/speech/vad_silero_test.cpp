// Silero VAD against the silero-vad package (tools/make_vad_golden.py: its TorchScript
// graph with the safetensors weights): per-frame probabilities within 1e-4 and
// get_speech_timestamps' segments to the sample, on jfk.wav and on espeak-ng phrases
// separated by known pauses, for several option sets.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "audio/audio_read.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "speech/vad.h"
#include "vad_test_util.h"

namespace clinote {
namespace {

using namespace clinote::test;

vad_options options_from_json(const nlohmann::json& j) {
    vad_options o;
    if (j.contains("threshold")) o.threshold = j["threshold"];
    if (j.contains("neg_threshold")) o.neg_threshold = j["neg_threshold"].get<double>();
    if (j.contains("min_speech_duration_ms")) o.min_speech_ms = j["min_speech_duration_ms"];
    if (j.contains("max_speech_duration_s")) o.max_speech_s = j["max_speech_duration_s"];
    if (j.contains("min_silence_duration_ms")) o.min_silence_ms = j["min_silence_duration_ms"];
    if (j.contains("speech_pad_ms")) o.speech_pad_ms = j["speech_pad_ms"];
    if (j.contains("min_silence_at_max_speech")) o.min_silence_at_max_speech_ms = j["min_silence_at_max_speech"];
    if (j.contains("use_max_poss_sil_at_max_speech")) o.use_max_possible_silence = j["use_max_poss_sil_at_max_speech"];
    return o;
}

std::vector<std::vector<int64_t>> as_pairs(const std::vector<speech_segment>& segs) {
    std::vector<std::vector<int64_t>> out;
    for (const speech_segment& s : segs) out.push_back({s.start, s.end});
    return out;
}

std::string input_path(const std::string& key) {
    return key == "jfk" ? jfk_path() : golden_speech("vad_pauses.flac");
}

class SileroVad : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        if (!std::filesystem::exists(vad_weights_path())) GTEST_SKIP() << "no " << vad_weights_path();
        if (!std::filesystem::exists(input_path(GetParam()))) GTEST_SKIP() << "no " << input_path(GetParam());
    }
};

TEST_P(SileroVad, ProbabilitiesMatchReference) {
    const nlohmann::json g = vad_golden()["files"][GetParam()];
    const std::vector<float> audio = audio_read_mono_16k(input_path(GetParam()));
    ASSERT_EQ(int64_t(audio.size()), g["n_samples"].get<int64_t>());
    const vad_model model = vad_load(vad_weights_path());
    const std::vector<float> probs = vad_probabilities(model, audio.data(), int64_t(audio.size()));
    const std::vector<float> ref = g["probs"].get<std::vector<float>>();
    ASSERT_EQ(probs.size(), ref.size());
    double max_diff = 0;
    for (size_t i = 0; i < ref.size(); i++) max_diff = std::max(max_diff, std::fabs(double(probs[i]) - double(ref[i])));
    EXPECT_LT(max_diff, 1e-4);
    RecordProperty("max_abs_diff", std::to_string(max_diff));
    // Not a trivially passing comparison: the recording has both speech and silence.
    EXPECT_GT(*std::max_element(ref.begin(), ref.end()), 0.9f);
    EXPECT_LT(*std::min_element(ref.begin(), ref.end()), 0.1f);
}

// The segment logic alone, fed the reference's own probabilities.
TEST_P(SileroVad, SegmentsFromReferenceProbabilitiesMatch) {
    const nlohmann::json golden = vad_golden();
    const nlohmann::json g = golden["files"][GetParam()];
    const std::vector<float> ref = g["probs"].get<std::vector<float>>();
    for (size_t k = 0; k < golden["option_sets"].size(); k++) {
        const vad_options o = options_from_json(golden["option_sets"][k]);
        EXPECT_EQ(as_pairs(vad_speech_segments(ref, g["n_samples"], o)),
                  g["segments"][k].get<std::vector<std::vector<int64_t>>>())
            << "option set " << golden["option_sets"][k].dump();
    }
}

// End to end: audio file → clinote's probabilities → segments.
TEST_P(SileroVad, SegmentsFromAudioMatch) {
    const nlohmann::json golden = vad_golden();
    const nlohmann::json g = golden["files"][GetParam()];
    const std::vector<float> audio = audio_read_mono_16k(input_path(GetParam()));
    const std::vector<float> probs = vad_probabilities(vad_load(vad_weights_path()), audio.data(), int64_t(audio.size()));
    for (size_t k = 0; k < golden["option_sets"].size(); k++) {
        const vad_options o = options_from_json(golden["option_sets"][k]);
        EXPECT_EQ(as_pairs(vad_speech_segments(probs, int64_t(audio.size()), o)),
                  g["segments"][k].get<std::vector<std::vector<int64_t>>>())
            << "option set " << golden["option_sets"][k].dump();
    }
}

INSTANTIATE_TEST_SUITE_P(Golden, SileroVad, ::testing::Values("jfk", "pauses"));

// Streaming frame by frame gives what the whole-recording call gives.
TEST(SileroVadStream, FrameByFrameEqualsWhole) {
    if (!std::filesystem::exists(vad_weights_path())) GTEST_SKIP() << "no " << vad_weights_path();
    const std::vector<float> audio = audio_read_mono_16k(golden_speech("vad_pauses.flac"));
    const vad_model model = vad_load(vad_weights_path());
    const std::vector<float> whole = vad_probabilities(model, audio.data(), 40 * vad_frame_samples);
    vad_state state;
    for (size_t i = 0; i < whole.size(); i++)
        EXPECT_EQ(vad_frame_probability(model, state, audio.data() + i * vad_frame_samples), whole[i]) << i;
}

TEST(SileroVadLoad, WrongTensorsAreErrors) {
    const std::string dir = ::testing::TempDir();
    const std::string path = dir + "/clinote_vad_bad.safetensors";
    const std::vector<float> w(10, 0.0f);
    safetensors_write(path, {{"stft_conv.weight", dtype::f32, {10}, w.data(), w.size() * sizeof(float)}});
    try {
        vad_load(path);
        ADD_FAILURE() << "no error";
    } catch (const error& e) {
        EXPECT_EQ(std::string(e.what()), path + ": tensor stft_conv.weight has shape [10], expected [258, 1, 256]");
    }
    safetensors_write(path, {{"other", dtype::f32, {10}, w.data(), w.size() * sizeof(float)}});
    try {
        vad_load(path);
        ADD_FAILURE() << "no error";
    } catch (const error& e) {
        EXPECT_EQ(std::string(e.what()), path + ": missing tensor stft_conv.weight");
    }
    std::filesystem::remove(path);
}

TEST(VadSegments, KnownAnswers) {
    // 1 s of silence, 1 s of speech, 1 s of silence; default options: 30 ms padding.
    std::vector<float> probs(94, 0.02f);
    for (size_t i = 32; i < 63; i++) probs[i] = 0.97f;
    const auto segs = vad_speech_segments(probs, 94 * 512);
    ASSERT_EQ(segs.size(), 1u);
    EXPECT_EQ(segs[0].start, 32 * 512 - 480);
    EXPECT_EQ(segs[0].end, 63 * 512 + 480);
    // Too short for min_speech_ms = 250 (3 frames = 96 ms).
    std::vector<float> blip(94, 0.02f);
    blip[40] = blip[41] = blip[42] = 0.9f;
    EXPECT_TRUE(vad_speech_segments(blip, 94 * 512).empty());
    vad_options bad;
    bad.threshold = 1.5;
    EXPECT_THROW(vad_speech_segments(probs, 94 * 512, bad), error);
}

}  // namespace
}  // namespace clinote
