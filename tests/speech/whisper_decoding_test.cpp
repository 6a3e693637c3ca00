// Whisper decoding: greedy tokens equal transformers' WhisperForConditionalGeneration.generate
// (its suppress, begin-suppress and timestamp logits processors) on the tiny random model;
// the timestamp rules and the compression ratio on known cases.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "io/safetensors.h"
#include "speech/whisper_decoding.h"
#include "speech/whisper_encoder.h"
#include "speech/whisper_logit_filters.h"

using namespace clinote;

namespace {

std::string golden(const std::string& rel) { return source_dir() + "/tests/golden/whisper/" + rel; }

struct tiny_whisper {
    std::unique_ptr<whisper_model> model = whisper_load(golden("tiny"));
    nlohmann::json expected = nlohmann::json::parse(file_read(golden("expected.json")));
    whisper_cross_kv cross;

    tiny_whisper() {
        const safetensors_file f = safetensors_open(golden("tensors.safetensors"));
        const tensor_view* mel = f.find_tensor("input_features");
        const float* p = static_cast<const float*>(mel->data);
        cross = whisper_cross_kv_compute(*model, whisper_encode(*model, p, 80, mel->numel() / 80));
    }
};

whisper_decoding_options greedy_options(bool timestamps) {
    whisper_decoding_options o;
    o.language = "en";
    o.timestamps = timestamps;
    o.beam_size = 1;
    o.sample_len = 20;
    return o;
}

}  // namespace

TEST(WhisperDecoding, GreedyTokensEqualTransformersGenerate) {
    tiny_whisper t;
    const whisper_decoding_result r = whisper_decode_window(*t.model, t.cross, {}, greedy_options(false), 0.0f);
    EXPECT_EQ(r.tokens, t.expected["greedy"].get<std::vector<int32_t>>());
    EXPECT_EQ(r.language, "en");
}

TEST(WhisperDecoding, GreedyTimestampTokensEqualTransformersGenerate) {
    tiny_whisper t;
    const whisper_decoding_result r = whisper_decode_window(*t.model, t.cross, {}, greedy_options(true), 0.0f);
    EXPECT_EQ(r.tokens, t.expected["greedy_timestamps"].get<std::vector<int32_t>>());
}

TEST(WhisperDecoding, SotSequenceAsOpenAIBuildsIt) {
    tiny_whisper t;
    const whisper_vocab& v = t.model->vocab;
    EXPECT_EQ(whisper_sot_sequence(v, "en", false, false),
              (std::vector<int32_t>{v.sot, v.first_language, v.transcribe, v.no_timestamps}));
    EXPECT_EQ(whisper_sot_sequence(v, "de", true, true), (std::vector<int32_t>{v.sot, v.first_language + 1, v.translate}));
    EXPECT_EQ(v.languages, (std::vector<std::string>{"en", "de", "fr"}));
    EXPECT_THROW(whisper_sot_sequence(v, "xx", false, true), clinote::error);
}

TEST(WhisperDecoding, BeamSearchStaysWithinTheLimitAndSamplingFollowsItsSeed) {
    tiny_whisper t;
    whisper_decoding_options o = greedy_options(false);
    o.beam_size = 4;
    const whisper_decoding_result beam = whisper_decode_window(*t.model, t.cross, {}, o, 0.0f);
    EXPECT_LE(beam.tokens.size(), 20u);
    EXPECT_TRUE(std::isfinite(beam.avg_logprob));
    // Sampling at a temperature is reproducible from its seed.
    o.beam_size = 1;
    o.best_of = 2;
    const whisper_decoding_result a = whisper_decode_window(*t.model, t.cross, {}, o, 1.0f);
    const whisper_decoding_result b = whisper_decode_window(*t.model, t.cross, {}, o, 1.0f);
    EXPECT_EQ(a.tokens, b.tokens);
}

TEST(WhisperFilters, TimestampRules) {
    tiny_whisper t;
    const whisper_vocab& v = t.model->vocab;
    const int32_t n_vocab = t.model->config.n_vocab;
    const whisper_filter_options fo{true, 50};
    auto allowed = [&](const std::vector<int32_t>& sampled, int32_t token) {
        std::vector<float> logits(size_t(n_vocab), 0.0f);
        logits[size_t(token)] = 10.0f;  // likelier than all timestamps together (e^10 > 1501)
        whisper_apply_filters(v, fo, sampled, logits.data(), n_vocab);
        return std::isfinite(logits[size_t(token)]);
    };
    const int32_t ts = v.timestamp_begin;
    // The first token is a timestamp, at most <|1.00|>.
    EXPECT_FALSE(allowed({}, 100));
    EXPECT_TRUE(allowed({}, ts + 50));
    EXPECT_FALSE(allowed({}, ts + 51 < n_vocab ? ts + 51 : ts - 1));
    // After an opening timestamp: text; after text and a closing timestamp: a timestamp or eot.
    EXPECT_FALSE(allowed({ts + 3}, ts + 4));
    EXPECT_TRUE(allowed({ts + 3}, 100));
    EXPECT_FALSE(allowed({ts + 3, 100, ts + 9}, 100));
    EXPECT_TRUE(allowed({ts + 3, 100, ts + 9}, v.eot));
    // Time does not go back; the next segment may start where the last ended.
    EXPECT_FALSE(allowed({ts + 3, 100, ts + 9}, ts + 8));
    EXPECT_TRUE(allowed({ts + 3, 100, ts + 9}, ts + 9));
    EXPECT_FALSE(allowed({ts + 3, 100}, ts + 3));
    EXPECT_TRUE(allowed({ts + 3, 100}, ts + 4));
    // <|notimestamps|> and the suppressed tokens never.
    EXPECT_FALSE(allowed({ts + 3}, v.no_timestamps));
    EXPECT_FALSE(allowed({ts + 3}, v.suppress.front()));
}

TEST(WhisperFilters, WithoutTimestampsOnlySuppression) {
    tiny_whisper t;
    const whisper_vocab& v = t.model->vocab;
    const int32_t n_vocab = t.model->config.n_vocab;
    std::vector<float> logits(size_t(n_vocab), 0.0f);
    whisper_apply_filters(v, {false, 50}, {}, logits.data(), n_vocab);
    for (int32_t id : v.suppress_begin) EXPECT_TRUE(std::isinf(logits[size_t(id)]));
    std::fill(logits.begin(), logits.end(), 0.0f);
    whisper_apply_filters(v, {false, 50}, {100}, logits.data(), n_vocab);
    EXPECT_TRUE(std::isfinite(logits[size_t(v.eot)]));  // begin-suppress is for the first token only
    EXPECT_TRUE(std::isfinite(logits[size_t(v.timestamp_begin)]));
    for (int32_t id : v.suppress) EXPECT_TRUE(std::isinf(logits[size_t(id)]));
}

TEST(WhisperDecoding, CompressionRatioAsPythonZlib) {
    // len(s) / len(zlib.compress(s)) in Python 3 (zlib level 6).
    EXPECT_NEAR(whisper_compression_ratio(std::string(100, 'a')), 100.0 / 12.0, 1e-5);
    EXPECT_NEAR(whisper_compression_ratio("ask not what your country can do for you"), 40.0 / 46.0, 1e-5);
    EXPECT_EQ(whisper_compression_ratio(""), 0.0f);
}

TEST(WhisperFilters, TimestampsTogetherLikelierThanAnyTextForceATimestamp) {
    tiny_whisper t;
    const whisper_vocab& v = t.model->vocab;
    const int32_t n_vocab = t.model->config.n_vocab;
    std::vector<float> logits(size_t(n_vocab), 0.0f);
    logits[100] = 1.0f;  // the best text token, but e^1 < the timestamps' Σ e^0
    whisper_apply_filters(v, {true, 50}, {v.timestamp_begin, 100}, logits.data(), n_vocab);
    EXPECT_TRUE(std::isinf(logits[100]));
    EXPECT_TRUE(std::isfinite(logits[size_t(v.timestamp_begin + 5)]));
}
