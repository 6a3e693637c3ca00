// The C++ chat-template renderer against transformers' own rendering (golden file from
// tools/make_chat_template_golden.py): real templates of SmolLM2, Llama 2 / 3.1 / 3.2,
// Qwen2.5, Gemma 3 and TinyLlama, plus small templates pinning interpreter details.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/paths.h"
#include "fuzz_regressions.h"
#include "io/gguf.h"
#include "tokenizer/chat_template.h"

namespace clinote {
namespace {

std::string golden_dir() { return source_dir() + "/tests/golden/chat_template"; }

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const nlohmann::json& golden_cases() {
    static const nlohmann::json cases = nlohmann::json::parse(read_text(golden_dir() + "/cases.json"))["cases"];
    return cases;
}

std::string template_of(const nlohmann::json& c) {
    if (c.contains("template_file")) return read_text(golden_dir() + "/" + c["template_file"].get<std::string>());
    return c["template"].get<std::string>();
}

chat_template_input input_of(const nlohmann::json& c) {
    chat_template_input input;
    input.messages = c["messages"];
    input.add_generation_prompt = c["add_generation_prompt"];
    input.bos_token = c["bos_token"];
    input.eos_token = c["eos_token"];
    input.extra = c["extra"];
    return input;
}

void check_case(const nlohmann::json& c) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::string tmpl = template_of(c);
    const chat_template_input input = input_of(c);
    if (c.contains("expected")) {
        std::string rendered;
        try {
            rendered = chat_template_render(tmpl, input);
        } catch (const error& e) {
            FAIL() << "unexpected error: " << e.what();
        }
        EXPECT_EQ(rendered, c["expected"].get<std::string>());
        return;
    }
    const nlohmann::json& expected_error = c["error"];
    try {
        chat_template_render(tmpl, input);
        FAIL() << "rendered, but jinja2 failed with: " << expected_error.dump();
    } catch (const error& e) {
        std::string what = e.what();
        EXPECT_EQ(what.rfind("chat template: line ", 0), 0u) << what;
        const std::string kind = expected_error["kind"];
        if (kind == "TemplateError") {  // raise_exception(...): the template's own message must come through
            EXPECT_NE(what.find(expected_error["message"].get<std::string>()), std::string::npos) << what;
        } else if (kind == "syntax") {
            EXPECT_NE(what.find("line " + std::to_string(expected_error["line"].get<int>()) + ","), std::string::npos) << what;
        }
    }
}

void check_cases_with_prefix(const std::string& prefix) {
    int checked = 0;
    for (const auto& c : golden_cases()) {
        if (c["name"].get<std::string>().rfind(prefix, 0) == 0) {
            check_case(c);
            ++checked;
        }
    }
    EXPECT_GT(checked, 0) << "no golden cases named " << prefix << "*";
}

TEST(ChatTemplate, SmolLM2MatchesTransformers) { check_cases_with_prefix("smollm2/"); }
TEST(ChatTemplate, Llama2MatchesTransformers) { check_cases_with_prefix("llama2/"); }
TEST(ChatTemplate, Llama31MatchesTransformers) { check_cases_with_prefix("llama3_1/"); }
TEST(ChatTemplate, Llama32MatchesTransformers) { check_cases_with_prefix("llama3_2/"); }
TEST(ChatTemplate, Qwen25MatchesTransformers) { check_cases_with_prefix("qwen2_5/"); }
TEST(ChatTemplate, Gemma3MatchesTransformers) { check_cases_with_prefix("gemma3/"); }
TEST(ChatTemplate, TinyLlamaMatchesTransformers) { check_cases_with_prefix("tinyllama/"); }
TEST(ChatTemplate, InterpreterFeaturesMatchJinja2) { check_cases_with_prefix("feature/"); }

TEST(ChatTemplate, RaiseExceptionPropagatesAsError) {
    chat_template_input input;
    input.messages = nlohmann::json::parse(R"([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])");
    try {
        chat_template_render(read_text(golden_dir() + "/llama2.jinja"), input);
        FAIL() << "non-alternating roles rendered";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("Conversation roles must alternate user/assistant/user/assistant/..."), std::string::npos)
            << e.what();
    }
}

TEST(ChatTemplate, SyntaxErrorNamesLineAndColumn) {
    try {
        chat_template_render("line one\nline two {{ 1 + }}", {});
        FAIL() << "bad template parsed";
    } catch (const error& e) {
        // The '}}' that ends the print statement early is at line 2, column 17.
        EXPECT_STREQ(e.what(), "chat template: line 2, column 17: unexpected end of print statement");
    }
    try {
        chat_template_render("{% for m in messages %}\n  {{ m }}\n", {});
        FAIL() << "unclosed for parsed";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("line 2,"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("endfor"), std::string::npos) << e.what();
    }
}

TEST(ChatTemplate, BadInputIsAnError) {
    chat_template_input input;
    input.messages = nlohmann::json::parse(R"({"role": "user"})");
    EXPECT_THROW(chat_template_render("{{ messages }}", input), error);
    input.messages = nlohmann::json::parse(R"(["not an object"])");
    EXPECT_THROW(chat_template_render("{{ messages }}", input), error);
}

// Hostile templates fail with an error instead of exhausting the stack or memory.
TEST(ChatTemplate, HostileTemplatesFailCleanly) {
    std::string deep_parens = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
    EXPECT_THROW(chat_template_render(deep_parens, {}), error);
    std::string long_chain = "{{ 1";
    for (int i = 0; i < 50000; ++i) long_chain += " + 1";
    EXPECT_THROW(chat_template_render(long_chain + " }}", {}), error);
    std::string deep_ifs;
    for (int i = 0; i < 5000; ++i) deep_ifs += "{% if true %}";
    EXPECT_THROW(chat_template_render(deep_ifs, {}), error);
    EXPECT_THROW(chat_template_render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", {}), error);
    EXPECT_THROW(chat_template_render("{{ 'x' * 1000000000 }}", {}), error);
    EXPECT_THROW(chat_template_render("{{ range(1000000000) | length }}", {}), error);
    EXPECT_THROW(chat_template_render("{{ 3 ** 100 }}", {}), error);
    EXPECT_EQ(chat_template_render("{{ 3 ** 39 }}", {}), "4052555153018976267");
    // Integer results beyond 64 bits are errors (fuzz/regressions/chat_template/), not overflow.
    for (const char* t : {"{{ 4444 * 7661218005651456 }}", "{{ 9223372036854775807 + 1 }}", "{{ -9223372036854775807 - 2 }}",
                          "{{ (-9223372036854775807 - 1) // -1 }}", "{{ -(-9223372036854775807 - 1) }}"})
        EXPECT_THROW(chat_template_render(t, {}), error) << t;
    EXPECT_EQ(chat_template_render("{{ (-9223372036854775807 - 1) % -1 }} {{ 4444 * 2075618 }}", {}), "0 9224046392");
    // Each input the fuzzer once crashed on renders, or fails with a clinote::error (an
    // attribute path "x.99999999999999999999" was std::out_of_range from stoll).
    for (const std::string& path : test::fuzz_regressions("chat_template")) {
        const std::string in = read_text(path);
        EXPECT_NO_THROW({
            try {
                chat_template_render(in.substr(0, in.find('\0')), {});
            } catch (const error&) {
            }
        }) << path;
    }
    EXPECT_EQ(chat_template_render("{{ [[1, 2]] | map(attribute='99999999999999999999') | list | length }}", {}), "1");
}

// Without date_string, Llama 3.2's template asks strftime_now for today's date.
TEST(ChatTemplate, StrftimeNowGivesTodaysDate) {
    chat_template_input input;
    input.messages = nlohmann::json::parse(R"([{"role": "user", "content": "hi"}])");
    std::string rendered = chat_template_render(read_text(golden_dir() + "/llama3_2.jinja"), input);
    const std::string label = "Today Date: ";
    size_t at = rendered.find(label);
    ASSERT_NE(at, std::string::npos) << rendered;
    std::string date = rendered.substr(at + label.size(), 12);  // "DD Mon YYYY\n", as strftime("%d %b %Y")
    ASSERT_EQ(date.size(), 12u) << rendered;
    auto digits = [&](size_t from, size_t n) {
        return std::all_of(date.begin() + long(from), date.begin() + long(from + n), [](char c) { return c >= '0' && c <= '9'; });
    };
    EXPECT_TRUE(digits(0, 2) && date[2] == ' ' && std::isupper(static_cast<unsigned char>(date[3])) && date[6] == ' ' &&
                digits(7, 4) && date[11] == '\n')
        << date;
    EXPECT_GE(std::stoi(date.substr(7, 4)), 2024);
}

// The Gemma 3 template clinote carries for files without one is the golden copy, which
// Gemma3MatchesTransformers renders as transformers does; unknown names have none.
TEST(ChatTemplate, BuiltinGemma3IsTheGoldenTemplate) {
    const char* builtin = chat_template_builtin("gemma3");
    ASSERT_NE(builtin, nullptr);
    EXPECT_EQ(std::string(builtin), read_text(golden_dir() + "/gemma3.jinja"));
    EXPECT_EQ(chat_template_builtin("gemma"), nullptr);
    EXPECT_NE(chat_template_builtin_names().find("gemma3"), std::string::npos);
}

// The committed SmolLM2 template is the one inside the default model.
TEST(ChatTemplate, DefaultModelTemplateIsTheCommittedOne) {
    const std::string model = source_dir() + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::filesystem::exists(model)) GTEST_SKIP() << model << " is absent";
    gguf_file gguf = gguf_open(model);
    std::optional<std::string> tmpl = gguf.get_string("tokenizer.chat_template");
    ASSERT_TRUE(tmpl.has_value());
    EXPECT_EQ(*tmpl, read_text(golden_dir() + "/smollm2.jinja"));
}

}  // namespace
}  // namespace clinote
