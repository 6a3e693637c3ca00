// Whisper encoder and decoder against transformers' WhisperForConditionalGeneration on a tiny
// random-weight model (tools/make_whisper_golden.py): encoder output and decoder logits.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "io/safetensors.h"
#include "speech/whisper_decoder.h"
#include "speech/whisper_encoder.h"

using namespace clinote;

namespace {

std::string golden(const std::string& rel) { return source_dir() + "/tests/golden/whisper/" + rel; }

std::vector<float> tensor_f32(const safetensors_file& f, const std::string& name) {
    const tensor_view* t = f.find_tensor(name);
    if (!t || t->type != dtype::f32) throw std::runtime_error("golden tensor " + name);
    const float* p = static_cast<const float*>(t->data);
    return {p, p + t->numel()};
}

float max_abs_diff(const float* a, const float* b, size_t n) {
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) m = std::max(m, std::fabs(a[i] - b[i]));
    return m;
}

struct whisper_golden {
    std::unique_ptr<whisper_model> model = whisper_load(golden("tiny"));
    safetensors_file tensors = safetensors_open(golden("tensors.safetensors"));
    nlohmann::json expected = nlohmann::json::parse(file_read(golden("expected.json")));
};

}  // namespace

TEST(WhisperModel, EncoderMatchesTransformers) {
    whisper_golden g;
    const std::vector<float> mel = tensor_f32(g.tensors, "input_features");
    const std::vector<float> want = tensor_f32(g.tensors, "encoder_out");
    const std::vector<float> got = whisper_encode(*g.model, mel.data(), 80, int64_t(mel.size() / 80));
    ASSERT_EQ(got.size(), want.size());
    EXPECT_LT(max_abs_diff(got.data(), want.data(), got.size()), 1e-4f);
}

TEST(WhisperModel, DecoderLogitsMatchTransformersBatchedAndOneByOne) {
    whisper_golden g;
    const whisper_model& m = *g.model;
    const std::vector<float> enc = tensor_f32(g.tensors, "encoder_out");
    const std::vector<float> want = tensor_f32(g.tensors, "logits");
    const std::vector<int32_t> seq = g.expected["decoder_input_ids"].get<std::vector<int32_t>>();
    const size_t n_vocab = size_t(m.config.n_vocab);
    ASSERT_EQ(want.size(), seq.size() * n_vocab);
    const whisper_cross_kv cross = whisper_cross_kv_compute(m, enc);

    whisper_decoder_state st = whisper_decoder_state_create(m);
    std::vector<float> all(want.size());
    whisper_decode(m, cross, st, seq.data(), int64_t(seq.size()), 0, all.data());
    EXPECT_LT(max_abs_diff(all.data(), want.data(), all.size()), 1e-4f);

    // The KV-cache path: a prefix at once, then one token at a time.
    whisper_decoder_state inc = whisper_decoder_state_create(m);
    std::vector<float> row(n_vocab * 3);
    whisper_decode(m, cross, inc, seq.data(), 3, 1, row.data());
    EXPECT_LT(max_abs_diff(row.data(), want.data() + n_vocab, 2 * n_vocab), 1e-4f);
    for (size_t t = 3; t < seq.size(); t++) {
        whisper_decode(m, cross, inc, &seq[t], 1, 0, row.data());
        EXPECT_LT(max_abs_diff(row.data(), want.data() + t * n_vocab, n_vocab), 1e-4f) << "position " << t;
    }
}

TEST(WhisperModel, CopiedStateContinuesLikeTheOriginal) {
    whisper_golden g;
    const whisper_model& m = *g.model;
    const std::vector<float> want = tensor_f32(g.tensors, "logits");
    const std::vector<int32_t> seq = g.expected["decoder_input_ids"].get<std::vector<int32_t>>();
    const size_t n_vocab = size_t(m.config.n_vocab);
    const whisper_cross_kv cross = whisper_cross_kv_compute(m, tensor_f32(g.tensors, "encoder_out"));
    whisper_decoder_state a = whisper_decoder_state_create(m);
    std::vector<float> row(n_vocab);
    whisper_decode(m, cross, a, seq.data(), 5, 4, row.data());
    whisper_decoder_state b;
    whisper_decoder_state_copy(b, a);
    whisper_decode(m, cross, a, &seq[5], 1, 0, row.data());  // a moves on; b must not see it
    whisper_decode(m, cross, b, &seq[5], 1, 0, row.data());
    EXPECT_LT(max_abs_diff(row.data(), want.data() + 5 * n_vocab, n_vocab), 1e-4f);
}

TEST(WhisperModel, WrongMelShapeIsAnError) {
    whisper_golden g;
    std::vector<float> mel(80 * 60);
    EXPECT_THROW(whisper_encode(*g.model, mel.data(), 80, 60), clinote::error);
    EXPECT_THROW(whisper_encode(*g.model, mel.data(), 128, 30), clinote::error);
}

TEST(WhisperModel, FullTextContextIsAnError) {
    whisper_golden g;
    const whisper_model& m = *g.model;
    const whisper_cross_kv cross = whisper_cross_kv_compute(m, tensor_f32(g.tensors, "encoder_out"));
    whisper_decoder_state st = whisper_decoder_state_create(m);
    std::vector<int32_t> tokens(size_t(m.config.n_text_ctx + 1), 7);
    std::vector<float> logits(size_t(m.config.n_vocab));
    EXPECT_THROW(whisper_decode(m, cross, st, tokens.data(), int64_t(tokens.size()), int64_t(tokens.size()) - 1,
                                logits.data()),
                 clinote::error);
    const int32_t bad = m.config.n_vocab;
    EXPECT_THROW(whisper_decode(m, cross, st, &bad, 1, 0, logits.data()), clinote::error);
}

TEST(WhisperLoad, BadDirectoriesAreNamed) {
    namespace fs = std::filesystem;
    auto error_of = [](const std::string& dir) -> std::string {
        try {
            whisper_load(dir);
        } catch (const clinote::error& e) {
            return e.what();
        }
        return "";
    };
    EXPECT_NE(error_of("/nonexistent/whisper").find("/nonexistent/whisper"), std::string::npos);

    const fs::path dir = fs::temp_directory_path() / "clinote_whisper_bad";
    fs::remove_all(dir);
    fs::copy(golden("tiny"), dir);
    {
        nlohmann::json c = nlohmann::json::parse(file_read((dir / "config.json").string()));
        c.erase("d_model");
        std::ofstream((dir / "config.json").string()) << c.dump();
    }
    EXPECT_NE(error_of(dir.string()).find("config.json: missing d_model"), std::string::npos);

    fs::copy_file(golden("tiny/config.json"), dir / "config.json", fs::copy_options::overwrite_existing);
    {
        // Drop one tensor: the loader names it.
        const safetensors_file src = safetensors_open(golden("tiny/model.safetensors"));
        std::vector<safetensors_writer_tensor> keep;
        for (const tensor_view& t : src.tensors)
            if (t.name != "model.decoder.layers.1.fc2.bias") keep.push_back({t.name, t.type, t.shape, t.data, t.nbytes});
        safetensors_write((dir / "model.safetensors").string(), keep);
    }
    EXPECT_NE(error_of(dir.string()).find("missing tensor model.decoder.layers.1.fc2.bias"), std::string::npos);
    fs::remove_all(dir);
}
