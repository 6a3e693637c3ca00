// config.json files that fuzz/hf_config.cpp found escaping model_config_from_hf as a raw
// nlohmann exception (which the CLI reported without the file's name, and the fuzzer as a
// crash): each must be refused with a clinote::error naming the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/file.h"
#include "fuzz_regressions.h"
#include "model/model.h"

namespace clinote {
namespace {

using ::testing::HasSubstr;

std::string refusal(const std::string& text) {
    try {
        model_config_from_hf(text, "config.json");
    } catch (const clinote::error& e) {
        return e.what();
    }
    return "accepted";
}

TEST(ModelConfigFuzz, SavedCrashesAreRefusedNamingTheFile) {
    const auto inputs = test::fuzz_regressions("hf_config");
    ASSERT_FALSE(inputs.empty());
    for (const std::string& path : inputs) EXPECT_THAT(refusal(file_read(path)), HasSubstr("config.json")) << path;
}

TEST(ModelConfigFuzz, WrongTypesAreRefused) {
    const std::string base = R"({"model_type":"llama","vocab_size":32,"hidden_size":8,"num_hidden_layers":1,)"
                             R"("num_attention_heads":2,"intermediate_size":16)";
    EXPECT_EQ(refusal("4445"), "config.json: must be a JSON object");
    EXPECT_EQ(refusal("[]"), "config.json: must be a JSON object");
    EXPECT_THAT(refusal(base + R"(,"num_key_value_heads":"two"})"),
                HasSubstr("config.json: num_key_value_heads: expected an integer"));
    EXPECT_THAT(refusal(base + R"(,"num_key_value_heads":3.6e30})"),
                HasSubstr("config.json: num_key_value_heads: expected an integer"));
    EXPECT_THAT(refusal(base + R"(,"rms_norm_eps":1e300})"), HasSubstr("config.json: the number 1e+300 is beyond the range of a float"));
    EXPECT_THAT(refusal(base + R"(,"rope_theta":[1]})"), HasSubstr("config.json: a field has the wrong type"));
    EXPECT_THAT(refusal(R"({"model_type":7})"), HasSubstr("config.json: a field has the wrong type"));
    EXPECT_EQ(refusal(base + "}"), "accepted");  // the same file with right types loads
}

}  // namespace
}  // namespace clinote
