// all-MiniLM-L6-v2 in clinote's engine against golden files from Hugging Face tokenizers,
// sentence-transformers and bert_score (tools/make_embedding_golden.py): identical token ids,
// token and sentence embeddings within 1e-4, BERTScore-style P/R/F1 within 1e-4.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "eval/embedding_score.h"
#include "eval/sentence_encoder.h"

using namespace clinote;

namespace {

struct golden_data {
    nlohmann::json json;
    std::vector<float> floats;
    const float* at(const nlohmann::json& ref) const { return floats.data() + ref[0].get<size_t>(); }
};

const golden_data& golden() {
    static const golden_data g = [] {
        golden_data d;
        const std::string dir = source_dir() + "/tests/golden/eval/";
        d.json = nlohmann::json::parse(file_read(dir + "minilm.json"));
        const std::string raw = file_read(dir + "minilm.f32");
        d.floats.resize(raw.size() / 4);
        std::memcpy(d.floats.data(), raw.data(), d.floats.size() * 4);
        return d;
    }();
    return g;
}

bool have_model() { return std::filesystem::exists(sentence_encoder_default_dir() + "/model.safetensors"); }

const sentence_encoder& encoder() {
    static const sentence_encoder enc = sentence_encoder_load(sentence_encoder_default_dir());
    return enc;
}

}  // namespace

TEST(WordPiece, IdsEqualHuggingFaceTokenizers) {
    if (!have_model()) GTEST_SKIP() << "models/all-MiniLM-L6-v2 absent (`clinote models pull all-minilm-l6-v2` installs it)";
    const wordpiece_tokenizer& tok = encoder().tokenizer;
    size_t n = 0;
    for (const char* key : {"sentences", "tokenized"})
        for (const auto& s : golden().json[key]) {
            std::vector<int32_t> ids = wordpiece_encode(tok, s["text"].get<std::string>());
            ids.insert(ids.begin(), tok.cls_id);
            ids.push_back(tok.sep_id);
            EXPECT_EQ(ids, s["ids"].get<std::vector<int32_t>>()) << s["text"];
            n++;
        }
    EXPECT_GE(n, 120u);
}

TEST(WordPiece, NotUtf8IsAnError) { EXPECT_THROW(wordpiece_words("caf\xe9"), error); }

TEST(SentenceEncoder, EmbeddingsEqualSentenceTransformers) {
    if (!have_model()) GTEST_SKIP() << "models/all-MiniLM-L6-v2 absent (`clinote models pull all-minilm-l6-v2` installs it)";
    const int stride = golden().json["token_dim_stride"].get<int>();
    for (const auto& s : golden().json["sentences"]) {
        const encoded_text e = sentence_encode(encoder(), s["text"].get<std::string>());
        ASSERT_EQ(e.ids, s["ids"].get<std::vector<int32_t>>());
        const float* sent = golden().at(s["sentence_embedding"]);
        for (int d = 0; d < encoder().dim; d++) ASSERT_NEAR(e.sentence_embedding[size_t(d)], sent[d], 1e-4) << s["text"] << " dim " << d;
        const bool all = s["token_dims"] == "all";
        const float* tok = golden().at(s["token_embeddings"]);
        size_t k = 0;
        for (size_t t = 0; t < e.ids.size(); t++)
            for (int d = 0; d < encoder().dim; d += all ? 1 : stride)
                ASSERT_NEAR(e.token_embeddings[t * size_t(encoder().dim) + size_t(d)], tok[k++], 1e-4)
                    << s["text"] << " token " << t << " dim " << d;
        EXPECT_EQ(k, s["token_embeddings"][1].get<size_t>());
    }
}

TEST(EmbeddingScore, EqualsBertScoreGreedyMatching) {
    if (!have_model()) GTEST_SKIP() << "models/all-MiniLM-L6-v2 absent (`clinote models pull all-minilm-l6-v2` installs it)";
    for (const auto& p : golden().json["pairs"]) {
        const embedding_scores s = embedding_score(encoder(), p["reference"].get<std::string>(), p["candidate"].get<std::string>());
        EXPECT_NEAR(s.precision, p["precision"].get<double>(), 1e-4) << p["candidate"];
        EXPECT_NEAR(s.recall, p["recall"].get<double>(), 1e-4) << p["candidate"];
        EXPECT_NEAR(s.f1, p["f1"].get<double>(), 1e-4) << p["candidate"];
    }
}

TEST(EmbeddingScore, LongTextsAreWindowedAndIdenticalTextsScoreOne) {
    if (!have_model()) GTEST_SKIP() << "models/all-MiniLM-L6-v2 absent (`clinote models pull all-minilm-l6-v2` installs it)";
    std::string note;
    for (int i = 0; i < 32; i++) note += "The patient reports intermittent chest pain and takes aspirin 81 mg daily. ";
    const std::vector<encoded_text> windows = sentence_encode_windows(encoder(), note);
    EXPECT_GE(windows.size(), 2u);
    for (const encoded_text& w : windows) EXPECT_LE(w.ids.size(), size_t(encoder().max_tokens));
    const embedding_scores same = embedding_score(encoder(), note, note);
    EXPECT_NEAR(same.f1, 1.0, 1e-5);
    EXPECT_NEAR(same.cosine, 1.0, 1e-5);
    EXPECT_EQ(embedding_score(encoder(), note, "").f1, 0.0);
}

TEST(SentenceEncoder, MissingDirectoryIsAnError) {
    EXPECT_THROW(sentence_encoder_load("/nonexistent/encoder"), error);
}
