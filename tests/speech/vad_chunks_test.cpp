// vad_chunks: known answers on hand-made probability tracks, and a synthesised long
// recording (the espeak-ng phrases with pauses, repeated) whose silences are exact zeros,
// so every cut can be checked against the samples themselves.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "audio/audio_read.h"
#include "core/error.h"
#include "speech/vad_chunks.h"
#include "vad_test_util.h"

namespace clinote {
namespace {

using namespace clinote::test;

constexpr int64_t frame = vad_frame_samples;
int64_t seconds_to_frame(double s) { return int64_t(s * 16000.0) / frame; }

void expect_tiling(const std::vector<audio_chunk>& chunks, int64_t n, double max_s) {
    ASSERT_FALSE(chunks.empty());
    EXPECT_EQ(chunks.front().start, 0);
    EXPECT_EQ(chunks.back().end, n);
    for (size_t i = 0; i < chunks.size(); i++) {
        EXPECT_GT(chunks[i].end, chunks[i].start) << i;
        EXPECT_LE(chunks[i].end - chunks[i].start, int64_t(max_s * 16000)) << i;
        if (i > 0) {
            EXPECT_EQ(chunks[i].start, chunks[i - 1].end) << i;
        }
    }
}

// Speech throughout 70 s except 0.6 s pauses every 7 s: cuts fall in the pauses at 21 s
// and 42 s (nearest 20 s after each chunk's start), and 70 - 42 < 30 s stays whole.
TEST(VadChunks, CutsInPausesNearTarget) {
    const int64_t n_frames = seconds_to_frame(70.0);
    std::vector<float> probs(size_t(n_frames), 0.95f);
    for (int k = 1; k < 10; k++)
        for (int64_t f = seconds_to_frame(7.0 * k); f < seconds_to_frame(7.0 * k + 0.6); f++) probs[size_t(f)] = 0.02f;
    const int64_t n = n_frames * frame;
    const auto chunks = vad_chunks(probs, n);
    expect_tiling(chunks, n, 30.0);
    ASSERT_EQ(chunks.size(), 3u);
    EXPECT_GE(chunks[0].end, 21 * 16000);
    EXPECT_LE(chunks[0].end, int64_t(21.6 * 16000));
    EXPECT_GE(chunks[1].end, 42 * 16000);
    EXPECT_LE(chunks[1].end, int64_t(42.6 * 16000));
    for (const auto& c : chunks) EXPECT_TRUE(c.has_speech);
}

// No pause at all: the cut goes to the least speech-like frame in the window's second half.
TEST(VadChunks, ContinuousSpeechCutsAtWeakestFrame) {
    const int64_t n_frames = seconds_to_frame(50.0);
    std::vector<float> probs(size_t(n_frames), 0.97f);
    const int64_t dip = seconds_to_frame(24.0);
    probs[size_t(dip)] = 0.55f;  // still speech, but the weakest
    probs[size_t(seconds_to_frame(5.0))] = 0.51f;  // weaker, but too early to cut at
    const auto chunks = vad_chunks(probs, n_frames * frame);
    expect_tiling(chunks, n_frames * frame, 30.0);
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunks[0].end, dip * frame);
}

// Silence only (100 s): 20 s pieces, none marked as speech; a short recording is one chunk.
TEST(VadChunks, SilenceAndShortRecordings) {
    const int64_t n_frames = seconds_to_frame(100.0);
    const std::vector<float> silent(size_t(n_frames), 0.01f);
    const auto chunks = vad_chunks(silent, n_frames * frame);
    expect_tiling(chunks, n_frames * frame, 30.0);
    ASSERT_EQ(chunks.size(), 5u);  // the last 20 s fit in one window
    for (const auto& c : chunks) EXPECT_EQ(c.end - c.start, 20 * 16000);
    for (const auto& c : chunks) EXPECT_FALSE(c.has_speech);

    const std::vector<float> short_one(100, 0.9f);
    const auto one = vad_chunks(short_one, 100 * frame);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_TRUE(one[0].has_speech);
}

TEST(VadChunks, BadOptionsAreErrors) {
    vad_chunk_options o;
    o.target_s = 0;
    EXPECT_THROW(vad_chunks({}, 0, o), error);
    o.target_s = 40;
    EXPECT_THROW(vad_chunks({}, 0, o), error);
}

// Ten copies of the pauses recording (88 s) through the real VAD: every cut lands in true
// silence (all samples within 0.1 s of it are zero) and chunks stay near 20 s.
TEST(VadChunks, SynthesisedLongRecording) {
    if (!std::filesystem::exists(vad_weights_path())) GTEST_SKIP() << "no " << vad_weights_path();
    const std::vector<float> one = audio_read_mono_16k(golden_speech("vad_pauses.flac"));
    std::vector<float> audio;
    for (int k = 0; k < 10; k++) audio.insert(audio.end(), one.begin(), one.end());
    const int64_t n = int64_t(audio.size());
    const std::vector<float> probs = vad_probabilities(vad_load(vad_weights_path()), audio.data(), n);
    const auto chunks = vad_chunks(probs, n);
    expect_tiling(chunks, n, 30.0);
    ASSERT_GE(chunks.size(), 4u);
    for (size_t i = 0; i + 1 < chunks.size(); i++) {
        const int64_t cut = chunks[i].end;
        const double len_s = double(cut - chunks[i].start) / 16000.0;
        EXPECT_NEAR(len_s, 20.0, 3.0) << "chunk " << i;
        for (int64_t j = cut - 1600; j < cut + 1600; j++)
            ASSERT_EQ(audio[size_t(j)], 0.0f) << "chunk " << i << " ends at " << cut << " inside sound at " << j;
        EXPECT_TRUE(chunks[i].has_speech);
    }
}

}  // namespace
}  // namespace clinote
