// The real Whisper base (`clinote models pull whisper-base` puts it in models/whisper-base, in
// CTranslate2's layout): jfk.wav transcribes to the known sentence, and the suppressed tokens
// openai-whisper computes from the vocabulary equal the list CTranslate2's converter wrote.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "audio/audio_read.h"
#include "core/paths.h"
#include "speech/whisper_transcribe.h"

using namespace clinote;

namespace {

const std::string jfk_text =
    "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.";

std::string base_dir() { return source_dir() + "/models/whisper-base"; }

bool have_base() { return std::filesystem::exists(base_dir() + "/model.bin"); }

}  // namespace

TEST(WhisperBase, DefaultSuppressTokensEqualTheConvertersList) {
    if (!have_base()) GTEST_SKIP() << "models/whisper-base is absent (run scripts/setup.sh)";
    const auto m = whisper_load(base_dir());
    EXPECT_EQ(m->vocab.suppress.size(), 88u);  // as CTranslate2's config.json lists them
    const whisper_vocab computed = whisper_vocab_make(m->tok, "", "none");
    EXPECT_EQ(computed.suppress, m->vocab.suppress);
    EXPECT_EQ(computed.suppress_begin, m->vocab.suppress_begin);
    EXPECT_EQ(m->vocab.languages.size(), 99u);
    EXPECT_EQ(m->vocab.language_id("en"), 50259);
    EXPECT_EQ(m->vocab.timestamp_begin, 50364);
}

TEST(WhisperBase, JfkTranscribesToTheKnownSentenceSlow) {
    if (!have_base()) GTEST_SKIP() << "models/whisper-base is absent (run scripts/setup.sh)";
    const auto m = whisper_load(base_dir());
    const std::vector<float> audio = audio_read_mono_16k(shared_dir() + "/audio/jfk.wav");
    for (int beam : {1, 5}) {
        whisper_transcribe_options o;
        o.decoding.beam_size = beam;
        o.decoding.language = beam == 1 ? "" : "en";  // greedy also detects the language
        const auto t0 = std::chrono::steady_clock::now();
        const whisper_transcript t = whisper_transcribe(*m, audio.data(), int64_t(audio.size()), o);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("beam %d: %.2f s for %.2f s of audio: %s\n", beam, s, double(audio.size()) / 16000.0, t.text.c_str());
        EXPECT_EQ(t.text, jfk_text) << "beam " << beam;
        EXPECT_EQ(t.language, "en");
        ASSERT_FALSE(t.segments.empty());
        EXPECT_GE(t.segments.front().start, 0.0);
        EXPECT_LE(t.segments.back().end, 11.1);
        EXPECT_GT(t.segments.back().end, 9.0);
        for (const whisper_segment& seg : t.segments) EXPECT_LT(seg.start, seg.end);
    }
}
