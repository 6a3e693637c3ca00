// Every family's encode and decode against golden files from Hugging Face `tokenizers`
// (and `sentencepiece` for the GGUF scores vocabulary): tools/make_tokenizer_golden.py.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/paths.h"
#include "io/gguf.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

using namespace clinote;
using nlohmann::json;

namespace {

std::string golden_dir() { return source_dir() + "/tests/golden/tokenizer"; }

json read_golden(const std::string& name) {
    std::ifstream in(golden_dir() + "/" + name + ".golden.json");
    EXPECT_TRUE(in) << "missing golden file for " << name;
    return json::parse(in);
}

void check_golden(const tokenizer& tok, const std::string& name) {
    const json golden = read_golden(name);
    ASSERT_FALSE(golden["cases"].empty());
    for (const json& c : golden["cases"]) {
        const std::string text = c["text"];
        const auto ids = c["ids"].get<std::vector<int32_t>>();
        EXPECT_EQ(tokenizer_encode(tok, text, true), ids) << name << " encode: " << json(text).dump();
        EXPECT_EQ(tokenizer_encode(tok, text, false), c["ids_plain"].get<std::vector<int32_t>>())
            << name << " encode without specials: " << json(text).dump();
        EXPECT_EQ(tokenizer_decode(tok, ids, false), c["decoded"].get<std::string>()) << name << " decode: " << json(text).dump();
        EXPECT_EQ(tokenizer_decode(tok, ids, true), c["decoded_skip"].get<std::string>())
            << name << " decode skipping specials: " << json(text).dump();
    }
    for (const json& c : golden["decode_cases"]) {
        const auto ids = c["ids"].get<std::vector<int32_t>>();
        EXPECT_EQ(tokenizer_decode(tok, ids, false), c["decoded"].get<std::string>()) << name << " decode " << c["ids"].dump();
        EXPECT_EQ(tokenizer_decode(tok, ids, true), c["decoded_skip"].get<std::string>()) << name << " decode " << c["ids"].dump();
    }
    const std::vector<std::string> dialogues = mts_dialogues();
    if (dialogues.empty()) {
        GTEST_SKIP() << "MTS-Dialog valid.csv not found under " << shared_dir() << "; dialogue cases not checked";
    }
    ASSERT_EQ(dialogues.size(), golden["dialogues"].size());
    for (size_t k = 0; k < dialogues.size(); k++) {
        const json& d = golden["dialogues"][k];
        const auto ids = tokenizer_encode(tok, dialogues[k], true);
        if (d.contains("ids")) {
            EXPECT_EQ(ids, d["ids"].get<std::vector<int32_t>>()) << name << " dialogue " << k;
        }
        EXPECT_EQ(ids.size(), d["n_ids"].get<size_t>()) << name << " dialogue " << k;
        EXPECT_EQ(ids_hash(ids), d["ids_hash"].get<std::string>()) << name << " dialogue " << k;
        EXPECT_EQ(text_hash(tokenizer_decode(tok, ids, false)), d["decoded_hash"].get<std::string>()) << name << " dialogue " << k;
        EXPECT_EQ(text_hash(tokenizer_decode(tok, ids, true)), d["decoded_skip_hash"].get<std::string>()) << name << " dialogue " << k;
    }
}

}  // namespace

TEST(TokenizerGolden, Llama3) { check_golden(tokenizer_from_hf_dir(golden_dir() + "/llama3"), "llama3"); }
TEST(TokenizerGolden, Qwen2) { check_golden(tokenizer_from_hf_dir(golden_dir() + "/qwen2"), "qwen2"); }
TEST(TokenizerGolden, Llama2) { check_golden(tokenizer_from_hf_dir(golden_dir() + "/llama2"), "llama2"); }
TEST(TokenizerGolden, Gemma) { check_golden(tokenizer_from_hf_dir(golden_dir() + "/gemma"), "gemma"); }

TEST(TokenizerGolden, Stories260kGguf) {
    const std::string path = shared_dir() + "/models/stories260k/stories260K.gguf";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not found";
    check_golden(tokenizer_from_gguf(gguf_open(path)), "stories260k");
}

TEST(TokenizerGolden, SmolLM2DefaultModel) {
    const std::string path = source_dir() + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not found (the default model)";
    check_golden(tokenizer_from_gguf(gguf_open(path)), "smollm2");
}
