// The note pipeline on the tiny real model stories260K (with a plain chat template), each
// result against a reference put together here from the pieces it is made of: the prompt
// builder's messages through chat_prompt_tokens and generate_sections, transcript_chunks
// and notes_merge for a long visit, json_schema_validate for a JSON note.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "generate/chat_prompt.h"
#include "generate/generate_sections.h"
#include "notes/json_schema_validate.h"
#include "notes/prompt.h"
#include "notes/summary_schema.h"
#include "notes/transcript.h"
#include "scribe/note_write.h"

namespace clinote {
namespace {

std::unique_ptr<model> tiny_model() {
    auto m = model_load(shared_dir() + "/models/stories260k/stories260K.gguf");
    m->tok.chat_template = file_read_text(source_dir() + "/tests/server/plain_chat.jinja");
    return m;
}

const std::string k_visit =
    "Doctor: What brings you in today?\n"
    "Patient: I have had a headache for three days.\n"
    "Doctor: Are you taking anything for it?\n"
    "Patient: Ibuprofen 400 mg twice a day.\n";

// Sixty turns: several parts in a context of 1024 tokens (the SOAP instructions take ~650).
std::string long_visit() {
    std::string t;
    for (int i = 0; i < 30; i++)
        t += "Doctor: How was day " + std::to_string(i + 1) + " of the cough?\nPatient: The cough was worse at night, " +
             std::to_string(i % 3 + 1) + " times I woke up.\n";
    return t;
}

generate_result reference_part(const model& m, const std::vector<turn>& turns, const note_template& t,
                               const prompt_options& po, const generate_params& params,
                               const std::vector<std::string>& headings) {
    inference_state st = inference_state_create(m, 4096);
    return generate_sections(m, st, chat_prompt_tokens(m.tok, prompt_messages(turns, t, po), true), headings, params);
}

TEST(NoteWrite, TemplateNoteIsTheSectionsOfTheBuildersPromptStreamed) {
    auto m = tiny_model();
    note_request r;
    r.transcript = k_visit;
    r.params.max_tokens = 40;
    std::string streamed;
    const note_result res = note_write(*m, nullptr, r, [&](const std::string& piece) {
        streamed += piece;
        return true;
    });
    // The default parameters are the notes' own: greedy with the repetition guard.
    generate_params p;
    p.max_tokens = 40;
    p.sampling = sampler_params_for_notes();
    const note_template soap = template_find("soap");
    const generate_result ref = reference_part(*m, transcript_parse(k_visit), soap, {}, p, template_headings(soap));
    EXPECT_EQ(res.text, ref.text + "\n");
    EXPECT_EQ(streamed, res.text);
    EXPECT_EQ(res.finish_reason, ref.finish_reason);
    EXPECT_EQ(res.text.rfind("SUBJECTIVE:", 0), 0u) << res.text;
}

TEST(NoteWrite, SectionWithEntityTagsIsFreeTextOfItsPrompt) {
    auto m = tiny_model();
    note_request r;
    r.transcript = k_visit;
    r.section = "PLAN";
    r.entity_tags = true;
    r.params.max_tokens = 24;
    const note_plan plan = note_plan_make(m->tok, r);
    EXPECT_TRUE(plan.headings.empty());
    prompt_options po;
    po.target_section = "PLAN";
    po.entity_tags = true;
    ASSERT_EQ(plan.prompts.size(), 1u);
    EXPECT_EQ(plan.prompts[0],
              chat_prompt_tokens(m->tok, prompt_messages(transcript_parse(k_visit), template_find("soap"), po), true));
    const note_result res = note_write(*m, nullptr, r);
    EXPECT_EQ(res.text, reference_part(*m, transcript_parse(k_visit), template_find("soap"), po, r.params, {}).text + "\n");
}

TEST(NoteWrite, LongVisitIsWrittenInPartsAndMerged) {
    auto m = tiny_model();
    note_request r;
    r.transcript = long_visit();
    r.n_ctx = 1024;
    r.params.max_tokens = 16;
    const note_plan plan = note_plan_make(m->tok, r);
    const note_template soap = template_find("soap");
    const std::vector<turn> turns = transcript_parse(r.transcript);
    const auto count = [&](const nlohmann::json& msgs) { return int64_t(chat_prompt_tokens(m->tok, msgs, true).size()); };
    const auto chunks = transcript_chunks(
        turns, [&](const std::vector<turn>& part) { return prompt_messages(part, soap, {}); }, count, {1024 - 16, 2});
    ASSERT_GE(chunks.size(), 3u);
    ASSERT_EQ(plan.chunks.size(), chunks.size());
    std::vector<std::string> parts;
    int64_t prompt_tokens = 0, generated_tokens = 0;
    for (size_t i = 0; i < chunks.size(); i++) {
        EXPECT_EQ(plan.chunks[i].begin, chunks[i].begin);
        EXPECT_EQ(plan.chunks[i].end, chunks[i].end);
        const std::vector<turn> part(turns.begin() + long(chunks[i].begin), turns.begin() + long(chunks[i].end));
        const generate_result g = reference_part(*m, part, soap, {}, r.params, template_headings(soap));
        parts.push_back(g.text);
        prompt_tokens += g.n_prompt;
        generated_tokens += int64_t(g.tokens.size());
    }
    std::vector<std::string> pieces;
    const note_result res = note_write(*m, nullptr, r, [&](const std::string& piece) {
        pieces.push_back(piece);
        return true;
    });
    EXPECT_EQ(res.text, notes_merge(parts, soap) + "\n");
    // --verbose's figures: every part's prompt and generated tokens, summed.
    EXPECT_EQ(res.stats.parts, int64_t(chunks.size()));
    EXPECT_EQ(res.stats.prompt_tokens, prompt_tokens);
    EXPECT_EQ(res.stats.generated_tokens, generated_tokens);
    EXPECT_GT(res.stats.decode_seconds, 0.0);
    const nlohmann::json stats = note_stats_json(res.stats);
    EXPECT_EQ(stats["prompt_tokens"], prompt_tokens);
    EXPECT_NEAR(stats["generated_tokens_per_s"].get<double>(), double(generated_tokens) / res.stats.decode_seconds, 1e-9);
    EXPECT_NE(note_stats_text(res.stats).find(std::to_string(chunks.size()) + " parts"), std::string::npos);
    ASSERT_EQ(pieces.size(), 1u);  // parts mean nothing until merged: the note comes once
    EXPECT_EQ(pieces[0], res.text);
}

TEST(NoteWrite, JsonNoteValidatesAgainstTheSchemaAlsoWhenCutShort) {
    auto m = tiny_model();
    for (int max_tokens : {8, 80}) {
        SCOPED_TRACE(max_tokens);
        note_request r;
        r.transcript = k_visit;
        r.json = true;
        r.params.max_tokens = max_tokens;
        std::string streamed;
        const note_result res = note_write(*m, nullptr, r, [&](const std::string& piece) {
            streamed += piece;
            return true;
        });
        EXPECT_EQ(streamed, res.text);
        ASSERT_FALSE(res.text.empty());
        EXPECT_EQ(res.text.back(), '\n');
        const nlohmann::json doc = nlohmann::json::parse(res.text);
        EXPECT_TRUE(json_schema_validate(nlohmann::json(clinical_summary_schema()), doc).empty()) << res.text;
        if (max_tokens == 8) {
            EXPECT_EQ(res.finish_reason, "length");
        }
    }
}

TEST(NoteWrite, CancelledByTheCallbackGivesNoNote) {
    auto m = tiny_model();
    note_request r;
    r.transcript = k_visit;
    r.params.max_tokens = 40;
    int calls = 0;
    const note_result res = note_write(*m, nullptr, r, [&](const std::string&) { return ++calls < 3; });
    EXPECT_EQ(res.finish_reason, "cancelled");
    EXPECT_TRUE(res.text.empty());
    EXPECT_EQ(calls, 3);
}

TEST(NoteWrite, BadRequestsNameTheTranscript) {
    auto m = tiny_model();
    note_request r;
    r.source = "visit.txt";
    r.transcript = "\n\n";
    try {
        note_plan_make(m->tok, r);
        FAIL() << "an empty transcript was planned";
    } catch (const error& e) {
        EXPECT_EQ(std::string(e.what()).rfind("visit.txt: transcript: empty", 0), 0u) << e.what();
    }
    r.transcript = k_visit;
    r.n_ctx = 100;  // the SOAP instructions alone are longer
    r.params.max_tokens = 16;
    try {
        note_plan_make(m->tok, r);
        FAIL() << "a prompt larger than the context was planned";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("visit.txt: transcript: turn 1 (Doctor) alone needs"), std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace clinote
