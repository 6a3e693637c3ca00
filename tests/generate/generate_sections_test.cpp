// Notes in fixed sections on a real tiny model (stories260K): every heading once and in
// order, the stream adds up to the result, the token limit holds, and the first section is
// exactly what plain generation writes after the first heading.
#include <gtest/gtest.h>

#include "core/paths.h"
#include "generate/generate_sections.h"

using namespace clinote;

namespace {

const std::vector<std::string> k_headings = {"SUBJECTIVE:", "OBJECTIVE:", "PLAN:"};

std::unique_ptr<model> story_model() { return model_load(shared_dir() + "/models/stories260k/stories260K.gguf"); }

std::string trim(const std::string& s) {
    const size_t first = s.find_first_not_of(" \t\r\n");
    return first == std::string::npos ? "" : s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

TEST(GenerateSections, EveryHeadingOnceInOrderAndTheStreamIsTheNote) {
    auto m = story_model();
    const std::vector<int32_t> prompt = tokenizer_encode(m->tok, "Once upon a time", true);
    generate_params p;
    p.max_tokens = 60;
    inference_state st = inference_state_create(*m, 0);
    std::string streamed;
    const generate_result r = generate_sections(*m, st, prompt, k_headings, p, [&](const std::string& piece) {
        streamed += piece;
        return true;
    });
    EXPECT_EQ(streamed, r.text);
    EXPECT_LE(r.tokens.size(), 60u);
    ASSERT_EQ(r.text.rfind("SUBJECTIVE:\n", 0), 0u) << r.text;
    size_t at = 0;
    for (const std::string& h : k_headings) {
        const std::string line = (at == 0 ? "" : "\n\n") + h + "\n";
        const size_t found = r.text.find(line, at);
        ASSERT_NE(found, std::string::npos) << h << " in:\n" << r.text;
        EXPECT_EQ(r.text.find(line, found + 1), std::string::npos) << h << " twice in:\n" << r.text;
        at = found + line.size();
    }
}

TEST(GenerateSections, TheFirstSectionIsPlainGenerationAfterItsHeading) {
    auto m = story_model();
    const std::vector<int32_t> prompt = tokenizer_encode(m->tok, "Once upon a time", true);
    generate_params p;
    p.max_tokens = 60;
    inference_state st = inference_state_create(*m, 0);
    const generate_result r = generate_sections(*m, st, prompt, k_headings, p);

    // Reference: the prompt and the first heading, generated with the later headings as stop
    // strings and the tokens left: 60 less the heading's, less 16 for each later section, at
    // most twice the section's share (2 * 60 / 3).
    std::vector<int32_t> with_heading = prompt;
    const std::vector<int32_t> heading = tokenizer_encode(m->tok, "SUBJECTIVE:\n", false);
    with_heading.insert(with_heading.end(), heading.begin(), heading.end());
    generate_params ref = p;
    ref.max_tokens = std::min(60 - int(heading.size()) - 2 * 16, 64);
    ref.stop = {"\nSUBJECTIVE:", "\nOBJECTIVE:", "\nPLAN:"};
    inference_state st_ref = inference_state_create(*m, 0);
    std::string expected = trim(generate(*m, st_ref, with_heading, ref).text);
    if (expected.empty()) expected = "None documented.";
    const size_t end = r.text.find("\n\nOBJECTIVE:\n");
    ASSERT_NE(end, std::string::npos) << r.text;
    EXPECT_EQ(r.text.substr(std::string("SUBJECTIVE:\n").size(), end - std::string("SUBJECTIVE:\n").size()), expected);
}

TEST(GenerateSections, NoHeadingsIsPlainGeneration) {
    auto m = story_model();
    const std::vector<int32_t> prompt = tokenizer_encode(m->tok, "Once upon a time", true);
    generate_params p;
    p.max_tokens = 20;
    inference_state a = inference_state_create(*m, 0), b = inference_state_create(*m, 0);
    EXPECT_EQ(generate_sections(*m, a, prompt, {}, p).text, generate(*m, b, prompt, p).text);
}

}  // namespace
