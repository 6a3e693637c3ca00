// Long-visit strategy, the parts that need no model: chunk boundaries with a counter whose
// answers are worked out by hand, and the merge of partial notes and summaries.
// (tests/integration/long_visit_test.cpp checks chunking with a real tokenizer and template.)
#include <gtest/gtest.h>

#include "core/error.h"
#include "notes/long_visit.h"
#include "notes/prompt.h"

using namespace clinote;
using json = nlohmann::json;

namespace {

// Turn i has lengths[i] words; a prompt costs 10 tokens plus one per word of its turns.
std::vector<turn> turns_of(const std::vector<int>& lengths) {
    std::vector<turn> out;
    for (size_t i = 0; i < lengths.size(); i++) {
        std::string text;
        for (int w = 0; w < lengths[i]; w++) text += (w ? " w" : "w") + std::to_string(i);
        out.push_back({i % 2 ? "Patient" : "Doctor", text});
    }
    return out;
}

json word_prompt(const std::vector<turn>& turns) {
    json words = json::array();
    for (const turn& t : turns)
        for (size_t p = 0; p <= t.text.size();) {
            size_t e = t.text.find(' ', p);
            if (e == std::string::npos) e = t.text.size();
            words.push_back(t.text.substr(p, e - p));
            p = e + 1;
        }
    return words;
}

int64_t word_count(const json& words) { return 10 + int64_t(words.size()); }

std::vector<std::pair<size_t, size_t>> ranges(const std::vector<transcript_chunk>& chunks) {
    std::vector<std::pair<size_t, size_t>> r;
    for (const auto& c : chunks) r.emplace_back(c.begin, c.end);
    return r;
}

TEST(LongVisit, ChunksAtTurnBoundariesWithOverlap) {
    const auto turns = turns_of({5, 5, 5, 5, 5, 5, 5, 5});  // 8 turns of 5 words
    chunk_options opt;
    opt.budget = 30;  // 10 + 20: four turns per chunk
    opt.overlap = 1;
    auto chunks = transcript_chunks(turns, word_prompt, word_count, opt);
    // [0,4) then one turn of overlap: [3,7) then [6,8)
    EXPECT_EQ(ranges(chunks), (std::vector<std::pair<size_t, size_t>>{{0, 4}, {3, 7}, {6, 8}}));
    EXPECT_EQ(chunks[0].prompt_tokens, 30);
    EXPECT_EQ(chunks[2].prompt_tokens, 20);

    opt.overlap = 0;
    EXPECT_EQ(ranges(transcript_chunks(turns, word_prompt, word_count, opt)),
              (std::vector<std::pair<size_t, size_t>>{{0, 4}, {4, 8}}));
    opt.budget = 1000;  // fits: one chunk
    EXPECT_EQ(ranges(transcript_chunks(turns, word_prompt, word_count, opt)),
              (std::vector<std::pair<size_t, size_t>>{{0, 8}}));
}

TEST(LongVisit, OverlapGivesWayToTheNextTurn) {
    const auto turns = turns_of({4, 4, 4, 12, 3});
    chunk_options opt;
    opt.budget = 22;  // 12 words
    opt.overlap = 2;
    // [0,3) holds 12 words; the 12-word turn 3 fits only without overlap, and so does turn 4 after it.
    EXPECT_EQ(ranges(transcript_chunks(turns, word_prompt, word_count, opt)),
              (std::vector<std::pair<size_t, size_t>>{{0, 3}, {3, 4}, {4, 5}}));
}

TEST(LongVisit, TurnTooLongForTheContextIsAnError) {
    const auto turns = turns_of({3, 40, 3});
    chunk_options opt;
    opt.budget = 30;
    try {
        transcript_chunks(turns, word_prompt, word_count, opt);
        FAIL() << "no error";
    } catch (const error& e) {
        EXPECT_STREQ(e.what(),
                     "transcript: turn 2 (Patient) alone needs 50 prompt tokens, more than the 30 the context leaves; "
                     "raise --ctx or lower --max-tokens");
    }
    opt.budget = 0;
    EXPECT_THROW(transcript_chunks(turns, word_prompt, word_count, opt), error);
    opt.budget = 100;
    EXPECT_THROW(transcript_chunks({}, word_prompt, word_count, opt), error);
}

TEST(LongVisit, NotesMergeBySectionInTemplateOrder) {
    const note_template t = template_find("soap");
    const std::string a =
        "SUBJECTIVE\nChest pain for 2 days.\nNo fever.\n\nPLAN\nECG today.";
    const std::string b =
        "**Subjective:** No fever.\nPain worse on exertion.\n\nOBJECTIVE:\nBP 150/90.\n\nPlan: Start aspirin 81 mg daily.\n"
        "Plan to return in 2 weeks.";
    EXPECT_EQ(notes_merge({a, b}, t),
              "SUBJECTIVE\nChest pain for 2 days.\nNo fever.\n\nPain worse on exertion.\n\n"
              "OBJECTIVE\nBP 150/90.\n\n"
              "PLAN\nECG today.\n\nStart aspirin 81 mg daily.\nPlan to return in 2 weeks.");
    // One part: its own text, headings normalised.
    EXPECT_EQ(notes_merge({"## Assessment\nAngina."}, t), "ASSESSMENT\nAngina.");
    // A single section (no headings): lines joined, repeats dropped.
    EXPECT_EQ(notes_merge({"Metformin 500 mg BID.", "Metformin 500 mg  BID.\nLisinopril 10 mg daily."}, t),
              "Metformin 500 mg BID.\n\nLisinopril 10 mg daily.");
}

TEST(LongVisit, SummariesMergeFieldByField) {
    const auto a = nlohmann::ordered_json::parse(
        R"({"patient":{"age":null,"sex":"female"},"problems":[{"text":"chest pain"}],"assessment":null,"plan":["ECG"]})");
    const auto b = nlohmann::ordered_json::parse(
        R"({"patient":{"age":54,"sex":"male"},"problems":[{"text":"chest pain"},{"text":"hypertension"}],"assessment":"angina","plan":["ECG","aspirin"]})");
    EXPECT_EQ(summaries_merge({a, b}).dump(),
              R"({"patient":{"age":54,"sex":"female"},"problems":[{"text":"chest pain"},{"text":"hypertension"}],"assessment":"angina","plan":["ECG","aspirin"]})");
}

}  // namespace
