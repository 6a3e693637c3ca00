// audio_read_mono_16k on every supported format against an independent pipeline
// (tools/make_audio_golden.py: soundfile to decode, soxr VHQ to resample), the known
// tones each file holds, and one clear error naming the file for bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>

#include "audio/audio_read.h"
#include "core/error.h"
#include "core/paths.h"
#include "tone_measure.h"

namespace clinote {
namespace {

using namespace clinote::test;

std::string golden_audio(const std::string& name) { return source_dir() + "/tests/golden/audio/" + name; }

nlohmann::json manifest() {
    std::ifstream f(golden_audio("audio_manifest.json"));
    if (!f) throw std::runtime_error("missing audio_manifest.json (run tools/make_audio_golden.py)");
    return nlohmann::json::parse(f);
}

std::vector<float> read_f32(const std::string& path) {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f) throw std::runtime_error("cannot read " + path);
    std::vector<float> v(size_t(f.tellg()) / sizeof(float));
    f.seekg(0);
    f.read(reinterpret_cast<char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
    return v;
}

class AudioFormats : public ::testing::TestWithParam<std::string> {};

// Away from the ends the two pipelines agree to about 1e-6 on tones and 3e-5 on speech
// (band-limited to 7 kHz, where both resamplers' filters are flat). In the first and last
// 20 ms the resamplers' start-up transients differ (up to 2e-3 measured): a looser bound.
// A wrong rate, channel mix or a one-sample shift gives errors of 1e-2 and more.
TEST_P(AudioFormats, MatchesSoundfileAndSoxr) {
    const std::string name = GetParam();
    const nlohmann::json info = manifest()[name];
    const std::vector<float> got = audio_read_mono_16k(golden_audio(name));
    const std::vector<float> ref = read_f32(golden_audio(info["reference"].get<std::string>()));
    ASSERT_NEAR(double(got.size()), double(ref.size()), 1.0) << name;
    const size_t n = std::min(got.size(), ref.size()), edge = 320;
    ASSERT_GT(n, 4 * edge);
    double max_inner = 0, max_edge = 0;
    for (size_t i = 0; i < n; i++) {
        const double d = std::fabs(double(got[i]) - double(ref[i]));
        double& slot = i < edge || i >= n - edge ? max_edge : max_inner;
        slot = std::max(slot, d);
    }
    EXPECT_LT(max_inner, 1e-4) << name;
    EXPECT_LT(max_edge, 5e-3) << name;
}

class ToneFiles : public ::testing::TestWithParam<std::string> {};

TEST_P(ToneFiles, KeepFrequencyAndAmplitude) {
    const std::string name = GetParam();
    const nlohmann::json info = manifest()[name];
    ASSERT_FALSE(info["tones"].empty());
    const std::vector<float> got = audio_read_mono_16k(golden_audio(name));
    const double frames = info["frames"].get<double>(), rate = info["sample_rate"].get<double>();
    ASSERT_NEAR(double(got.size()), frames * 16000.0 / rate, 1.0);
    std::vector<double> freqs;
    for (const auto& t : info["tones"]) {
        const double f = t[0].get<double>(), a = t[1].get<double>();
        freqs.push_back(f);
        // Lossy MP3 and PCM16 quantisation: within 1% of the amplitude written.
        EXPECT_NEAR(tone_amplitude(got, f), a, 0.01 * a) << name << " at " << f << " Hz";
    }
    EXPECT_LT(tone_residual_rms(got, freqs), 2e-3) << name << ": energy outside the tones";
}

std::string test_name(const ::testing::TestParamInfo<std::string>& p) {
    std::string s = p.param;
    std::replace_if(s.begin(), s.end(), [](char c) { return !std::isalnum(uint8_t(c)); }, '_');
    return s;
}

INSTANTIATE_TEST_SUITE_P(Golden, AudioFormats,
                         ::testing::Values("tone_44100_stereo.wav", "tone_44100_stereo.flac", "tone_8000_mono.wav",
                                           "tone_48000_mono.mp3", "speech_22050_mono.ogg"),
                         test_name);
INSTANTIATE_TEST_SUITE_P(Golden, ToneFiles,
                         ::testing::Values("tone_44100_stereo.wav", "tone_44100_stereo.flac", "tone_8000_mono.wav",
                                           "tone_48000_mono.mp3"),
                         test_name);

TEST(AudioDecode, KeepsRateAndChannels) {
    const audio_pcm pcm = audio_decode(golden_audio("tone_44100_stereo.flac"));
    EXPECT_EQ(pcm.sample_rate, 44100);
    EXPECT_EQ(pcm.channels, 2);
    EXPECT_EQ(pcm.frames(), manifest()["tone_44100_stereo.flac"]["frames"].get<int64_t>());
}

// Bad input: one clinote::error whose message starts with the path and says what is wrong.
struct bad_file {
    std::filesystem::path dir;
    bad_file() {
        dir = std::filesystem::path(::testing::TempDir()) / ("clinote_audio_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
    }
    ~bad_file() { std::filesystem::remove_all(dir); }
    std::string write(const std::string& name, const std::string& bytes) const {
        const std::string path = (dir / name).string();
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }
};

void expect_error(const std::string& path, const std::string& what) {
    try {
        audio_read_mono_16k(path);
        ADD_FAILURE() << path << ": no error";
    } catch (const error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
        EXPECT_NE(msg.find(what), std::string::npos) << msg;
    }
}

std::string file_prefix(const std::string& path, size_t n) {
    std::ifstream f(path, std::ios::binary);
    std::string s(n, '\0');
    f.read(s.data(), std::streamsize(n));
    s.resize(size_t(f.gcount()));
    return s;
}

TEST(AudioErrors, MissingFile) { expect_error("/nonexistent/visit.wav", "cannot open"); }

TEST(AudioErrors, Directory) {
    bad_file d;
    expect_error(d.dir.string(), "is a directory");
}

TEST(AudioErrors, EmptyFile) {
    bad_file d;
    expect_error(d.write("empty.wav", ""), "empty file");
}

TEST(AudioErrors, WavHeaderWithoutSamples) {
    bad_file d;
    expect_error(d.write("header_only.wav", file_prefix(golden_audio("tone_8000_mono.wav"), 44)), "no audio samples");
}

TEST(AudioErrors, NotAudio) {
    bad_file d;
    expect_error(d.write("notes.wav", "Patient reports chest pain since Tuesday.\n"), "not a readable audio file");
}

TEST(AudioErrors, TruncatedFlac) {
    bad_file d;
    // The FLAC header without any frames.
    expect_error(d.write("cut.flac", file_prefix(golden_audio("tone_44100_stereo.flac"), 60)), "audio");
}

TEST(AudioErrors, Mp3TagWithoutFrames) {
    bad_file d;
    expect_error(d.write("tag_only.mp3", std::string("ID3\x04\0\0\0\0\0\0", 10) + std::string(400, '\x55')), "MP3");
}

}  // namespace
}  // namespace clinote
