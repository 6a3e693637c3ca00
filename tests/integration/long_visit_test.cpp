// Long-visit chunking with a real tokenizer and chat template (the tiny byte-level BPE of
// tests/golden/tokenizer/qwen2 with SmolLM2's template) on real ACI-Bench visits: every count
// is the exact number of prompt tokens, re-checked here turn by turn.
#include <gtest/gtest.h>

#include "core/file.h"
#include "core/paths.h"
#include "data/import.h"
#include "generate/chat_prompt.h"
#include "notes/long_visit.h"
#include "notes/prompt.h"

using namespace clinote;

namespace {

TEST(LongVisitTokens, ChunksFitAreMaximalAndOverlapExactly) {
    tokenizer tok = tokenizer_from_hf_dir(source_dir() + "/tests/golden/tokenizer/qwen2");
    tok.chat_template = file_read_text(source_dir() + "/tests/golden/chat_template/smollm2.jinja");
    const note_template t = template_find("soap");
    const turns_prompt prompt = [&](const std::vector<turn>& part) { return prompt_messages(part, t, {}); };
    const prompt_token_count count = [&](const nlohmann::json& m) {
        return int64_t(chat_prompt_tokens(tok, m, true).size());
    };
    auto tokens_of = [&](const std::vector<turn>& turns, size_t b, size_t e) {
        return count(prompt(std::vector<turn>(turns.begin() + long(b), turns.begin() + long(e))));
    };

    import_report report;
    const auto encounters = import_aci_csv(shared_dir() + "/data/aci-bench/valid.csv", {}, report);
    ASSERT_GE(encounters.size(), 3u);
    for (size_t k = 0; k < 3; k++) {
        const std::vector<turn>& turns = encounters[k].turns;
        for (int64_t overlap : {0, 2, 5}) {
            // A quarter of the visit's prompt, or the longest single turn's prompt if larger.
            chunk_options opt;
            opt.budget = tokens_of(turns, 0, turns.size()) / 4;
            for (size_t i = 0; i < turns.size(); i++) opt.budget = std::max(opt.budget, tokens_of(turns, i, i + 1));
            opt.overlap = overlap;
            SCOPED_TRACE(encounters[k].id + " overlap " + std::to_string(overlap));
            const auto chunks = transcript_chunks(turns, prompt, count, opt);
            ASSERT_GE(chunks.size(), 5u);
            EXPECT_EQ(chunks.front().begin, 0u);
            EXPECT_EQ(chunks.back().end, turns.size());
            for (size_t i = 0; i < chunks.size(); i++) {
                const transcript_chunk& c = chunks[i];
                ASSERT_LT(c.begin, c.end);
                EXPECT_EQ(c.prompt_tokens, tokens_of(turns, c.begin, c.end));
                EXPECT_LE(c.prompt_tokens, opt.budget);
                // Maximal: one more turn would not fit.
                if (c.end < turns.size()) {
                    EXPECT_GT(tokens_of(turns, c.begin, c.end + 1), opt.budget);
                }
                if (i == 0) continue;
                const transcript_chunk& prev = chunks[i - 1];
                ASSERT_GT(c.end, prev.end);  // progress: new turns in every chunk
                ASSERT_LE(c.begin, prev.end);  // no turn skipped
                const size_t repeated = prev.end - c.begin;
                EXPECT_LE(repeated, size_t(overlap));
                // Less overlap than asked only when one more repeated turn and the first new turn do not fit.
                if (repeated < size_t(overlap) && c.begin > 0) {
                    EXPECT_GT(tokens_of(turns, c.begin - 1, prev.end + 1), opt.budget);
                }
            }
        }
    }
}

}  // namespace
