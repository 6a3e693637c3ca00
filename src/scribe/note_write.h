// The note pipeline users run, as plain functions over a request: one visit's transcript →
// a note in a template (or one section of it), or a ClinicalSummary JSON that always parses
// and validates. A visit too long for the context is written in parts and merged
// (notes/long_visit.h). `clinote note`, `clinote scribe` and the server's scribe API only
// translate flags or JSON into a note_request, so the same request gives the same note
// byte for byte wherever it is run.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "generate/generate.h"
#include "model/lora_adapter.h"
#include "model/model.h"
#include "notes/long_visit.h"
#include "notes/note_template.h"

namespace clinote {

// Greedy, at most 512 tokens a part, with the notes' repetition guard (sampler_params_for_notes).
generate_params note_params_default();

struct note_request {
    std::string transcript;              // "Doctor: ..." lines (transcript_parse)
    std::string source = "transcript";   // names the transcript in errors: a file, an encounter
    note_template tmpl = template_find("soap");
    std::string section;                 // one section (a heading or a section key); empty: the whole note
    bool json = false;                   // a ClinicalSummary JSON instead of a note in tmpl
    std::string approved_note;           // with json: extract it from this approved note, not the transcript
    bool entity_tags = false;            // ask for {{type:value}} tags
    int64_t n_ctx = 4096;                // every part's prompt plus params.max_tokens fits this
    int64_t overlap = 2;                 // long visits: turns repeated at the start of the next part
    generate_params params = note_params_default();
};

// The chat messages for r over some turns of its transcript (notes/prompt.h, or the
// ClinicalSummary prompt for a JSON note): what the model is asked.
nlohmann::json note_messages(const note_request& r, const std::vector<turn>& turns);

// The request tokenised, before any decoding (the server does it when it accepts a request).
struct note_plan {
    std::vector<transcript_chunk> chunks;        // one unless the visit is long
    std::vector<std::vector<int32_t>> prompts;   // one per chunk
    std::vector<std::string> headings;           // a whole note: decoded in these sections
};

// Throws naming r.source when the transcript is empty or one turn alone does not fit.
note_plan note_plan_make(const tokenizer& tok, const note_request& r);

// One part of a note to decode: its prompt, and the headings it is written in, or the
// schema its JSON follows (nullptr: prose).
struct note_part {
    std::vector<int32_t> prompt;
    std::vector<std::string> headings;
    const nlohmann::ordered_json* schema = nullptr;
};

// Decodes one part from an empty cache: generate_sections with the part's headings, or
// under its schema's constraint with the text finished so that it parses (json_constraint.h);
// pieces to on_text (may be empty), which returns false to cancel.
using note_decoder =
    std::function<generate_result(const note_part& part, const generate_params& params, const text_callback& on_text)>;

// What a decoder on a model of its own does with a part: run(prompt, headings, params) is
// generate_sections on that model.
using sections_run = std::function<generate_result(const std::vector<int32_t>& prompt, const std::vector<std::string>& headings,
                                                   const generate_params& params)>;
generate_result note_part_decode(const note_part& part, const tokenizer& tok, const generate_params& params,
                                 const sections_run& run);

// Each part on a fresh inference state of m with the adapter (or none).
note_decoder note_decoder_for(const model& m, const lora_adapter* adapter, int64_t n_ctx);

// What writing the note took, over all its parts: `clinote note --verbose`, the server's
// per-note "stats".
struct note_stats {
    int64_t parts = 0;
    int64_t prompt_tokens = 0, generated_tokens = 0;
    double prefill_seconds = 0, decode_seconds = 0;
};
void note_stats_add(note_stats& s, const generate_result& g);
// {"parts", "prompt_tokens", "prompt_tokens_per_s", "generated_tokens", "generated_tokens_per_s",
//  "prefill_s", "decode_s"}
nlohmann::json note_stats_json(const note_stats& s);
// "prompt 2048 tokens in 6.28 s (326 tokens/s), note 400 tokens in 3.70 s (108 tokens/s), 1 part"
std::string note_stats_text(const note_stats& s);

struct note_result {
    std::string text;           // the note, ending in a newline; empty when cancelled
    std::string finish_reason;  // "stop"; "length" when a part reached max_tokens; "cancelled"
    note_stats stats;
};

// Writes the note. on_text gets it as written: a one-part note (not JSON) piece by piece as
// it is decoded, a JSON or merged note in one piece at the end; the pieces add up to
// result.text. A JSON note's parts are checked against the schema whoever decoded them
// (a remote backend may ignore it): one that does not parse or validate fails, naming "summary".
note_result note_write(const note_request& r, const note_plan& plan, const note_decoder& decode,
                       const text_callback& on_text = {});

// On a model of one's own: plan and write.
note_result note_write(const model& m, const lora_adapter* adapter, const note_request& r,
                       const text_callback& on_text = {});

}  // namespace clinote
