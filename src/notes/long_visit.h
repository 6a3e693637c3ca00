// Long visits: a transcript whose prompt does not fit the model's context is cut at turn
// boundaries into chunks whose prompts do fit (built by the same prompt builder as a short
// visit), each chunk is written up on its own (map), and the partial notes are merged into
// one (reduce): note sections by template heading, ClinicalSummary JSON field by field.
// Nothing is truncated; the merge is deterministic code, not another model call, so it can
// neither drop nor invent a fact. See docs/notes.md.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notes/encounter.h"
#include "notes/note_template.h"

namespace clinote {

// The chat messages for a run of turns (prompt_messages or prompt_summary_messages, bound to
// their template and options), and the number of tokens those messages take once rendered
// with the chat template and tokenised, generation prompt included.
using turns_prompt = std::function<nlohmann::json(const std::vector<turn>&)>;
using prompt_token_count = std::function<int64_t(const nlohmann::json& messages)>;

struct chunk_options {
    int64_t budget = 0;     // prompt tokens one chunk may use: the context minus the room for its note
    int64_t overlap = 2;    // turns repeated at the start of the next chunk, so a question keeps its answer
};

struct transcript_chunk {
    size_t begin = 0, end = 0;  // turns [begin, end)
    int64_t prompt_tokens = 0;  // of its prompt, counted exactly
};

// Consecutive chunks covering every turn in order: each starts `overlap` turns before the
// previous one ended (fewer when the overlap and the next turn would not fit together) and
// takes as many turns as fit the budget. Throws naming the turn when one turn alone does not
// fit. A transcript that fits is one chunk.
std::vector<transcript_chunk> transcript_chunks(const std::vector<turn>& turns, const turns_prompt& prompt,
                                                const prompt_token_count& count, const chunk_options& opt);

// Partial notes in template t → one note: each template heading once, in the template's
// order, with the lines written under it by every part in order; a line repeated word for
// word (the overlap turns) is kept once. Text before any heading leads the note. For a
// single-section note (no headings) the parts' lines are joined the same way.
std::string notes_merge(const std::vector<std::string>& notes, const note_template& t);

// Partial ClinicalSummary documents → one: objects merged key by key, lists concatenated
// without repeated items, and for a single value the first part that states it (not null)
// wins. Keys keep the first document's order.
nlohmann::ordered_json summaries_merge(const std::vector<nlohmann::ordered_json>& parts);

}  // namespace clinote
