// llama-server's /tokenize, /detokenize and /props against the tiny model's tokenizer, and
// /v1/embeddings against the sentence encoder run directly (eval/sentence_encoder.h).
#include <cstring>
#include <filesystem>

#include "eval/eval_report.h"
#include "eval/sentence_encoder.h"
#include "server_fixture.h"

namespace clinote {
namespace {

using test::running_server;

TEST(LlamaServerRoutes, TokenizeDetokenizeAndProps) {
    running_server srv;
    auto m = test::tiny_model();
    const std::string text = "Once upon a time there was a cat.";
    const nlohmann::json t = srv.post_json("/tokenize", {{"content", text}});
    EXPECT_EQ(t["tokens"], nlohmann::json(tokenizer_encode(m->tok, text, false)));
    const nlohmann::json with_bos = srv.post_json("/tokenize", {{"content", text}, {"add_special", true}});
    EXPECT_EQ(with_bos["tokens"], nlohmann::json(tokenizer_encode(m->tok, text, true)));
    const nlohmann::json pieces = srv.post_json("/tokenize", {{"content", text}, {"with_pieces", true}});
    std::string joined;
    for (const auto& p : pieces["tokens"]) joined += p["piece"].get<std::string>();
    EXPECT_EQ(pieces["tokens"].size(), t["tokens"].size());
    EXPECT_EQ(tokenizer_decode(m->tok, t["tokens"].get<std::vector<int32_t>>()), srv.post_json("/detokenize", {{"tokens", t["tokens"]}})["content"]);
    srv.post_json("/detokenize", {{"tokens", {1, 999999}}}, 400);
    srv.post_json("/tokenize", nlohmann::json::object(), 400);
    const nlohmann::json props = srv.get_json("/props");
    EXPECT_EQ(props["default_generation_settings"]["n_ctx"], 4096);
    EXPECT_EQ(props["model_alias"], "stories");
}

TEST(LlamaServerRoutes, EmbeddingsAreTheSentenceEncodersOwn) {
    const std::string dir = sentence_encoder_default_dir();
    if (!std::filesystem::exists(dir + "/model.safetensors")) GTEST_SKIP() << dir << " is absent (scripts/setup.sh installs it)";
    running_server srv;
    const sentence_encoder enc = sentence_encoder_load(dir);
    const std::vector<std::string> inputs = {"Patient denies chest pain.", "Lisinopril 10 mg once a day."};
    const nlohmann::json r = srv.post_json("/v1/embeddings", {{"input", inputs}, {"model", "all-MiniLM-L6-v2"}});
    ASSERT_EQ(r["data"].size(), 2u);
    for (size_t i = 0; i < inputs.size(); i++) {
        const std::vector<float> want = sentence_encode(enc, inputs[i]).sentence_embedding;
        EXPECT_EQ(r["data"][i]["index"], i);
        EXPECT_EQ(r["data"][i]["embedding"].get<std::vector<float>>(), want);
    }
    EXPECT_GT(r["usage"]["prompt_tokens"].get<int64_t>(), 4);
    // base64: the same floats' bytes.
    const nlohmann::json b = srv.post_json("/v1/embeddings", {{"input", inputs[0]}, {"encoding_format", "base64"}});
    const std::vector<float> want = sentence_encode(enc, inputs[0]).sentence_embedding;
    EXPECT_EQ(b["data"][0]["embedding"], base64_encode(std::string(reinterpret_cast<const char*>(want.data()), want.size() * 4)));
    srv.post_json("/v1/embeddings", {{"input", {1, 2, 3}}}, 400);
    srv.post_json("/v1/embeddings", {{"input", "x"}, {"dimensions", 8}}, 400);
}

}  // namespace
}  // namespace clinote
