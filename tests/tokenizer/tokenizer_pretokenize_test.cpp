// The hand-written split regexes against HF `tokenizers`' pre-tokenizers on their own (the
// trained vocabularies would hide some split differences): tools/make_tokenizer_golden.py.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/paths.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer_test_util.h"

using namespace clinote;
using nlohmann::json;

namespace {

std::vector<std::string> split(pretokenizer_kind kind, const std::string& text) {
    std::vector<std::string_view> views;
    pretokenize(kind, text, views);
    return {views.begin(), views.end()};
}

void check_family(pretokenizer_kind kind, const std::string& name) {
    std::ifstream in(source_dir() + "/tests/golden/tokenizer/pretokenize.golden.json");
    ASSERT_TRUE(in);
    const json golden = json::parse(in).at(name);
    for (const json& c : golden["cases"]) {
        const std::string text = c["text"];
        EXPECT_EQ(split(kind, text), c["pieces"].get<std::vector<std::string>>()) << name << ": " << json(text).dump();
    }
    const std::vector<std::string> dialogues = mts_dialogues();
    if (dialogues.empty()) GTEST_SKIP() << "MTS-Dialog valid.csv not found under " << shared_dir();
    ASSERT_EQ(dialogues.size(), golden["dialogues"].size());
    for (size_t k = 0; k < dialogues.size(); k++) {
        std::string joined;
        for (const std::string& piece : split(kind, dialogues[k])) {
            if (!joined.empty()) joined += '\0';
            joined += piece;
        }
        EXPECT_EQ(text_hash(joined), golden["dialogues"][k].get<std::string>()) << name << " dialogue " << k;
    }
}

}  // namespace

TEST(TokenizerPretokenize, Gpt2) { check_family(pretokenizer_kind::gpt2, "gpt2"); }
TEST(TokenizerPretokenize, Gpt2Digits) { check_family(pretokenizer_kind::gpt2_digits, "gpt2_digits"); }
TEST(TokenizerPretokenize, Llama3) { check_family(pretokenizer_kind::llama3, "llama3"); }
TEST(TokenizerPretokenize, Qwen2) { check_family(pretokenizer_kind::qwen2, "qwen2"); }
