// Notes written during training and scored at once: greedy notes for a fixed set of
// validation items, with ROUGE-1 against the references, the loop and echo rates
// (note_defects.h) and unsupported facts per note (factual_check.h). The trainer keeps the
// checkpoint whose notes score best (train --eval-generate), since on small data sets the
// checkpoint with the lowest validation loss is often not the one that writes the best notes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/clinical_facts.h"
#include "generate/generate.h"

namespace clinote {

struct note_check_item {
    std::string id;                  // "<file>:<line>"
    std::vector<int32_t> prompt;     // the chat prompt's tokens, as inference builds them
    std::string instructions;        // the system message
    std::string transcript;          // the user message
    std::string reference;           // the assistant message
};

// n items spread evenly over the lines of a chat JSONL ({"messages": [system, user,
// assistant]}, as clinote data export writes valid.jsonl); all of them if n >= the lines.
std::vector<note_check_item> note_check_items_read(const std::string& path, const tokenizer& tok, int64_t n);
// One item from its chat messages ([system, user, assistant]); errors name `id`.
note_check_item note_check_item_make(const nlohmann::json& messages, const std::string& id, const tokenizer& tok);

struct note_check_result {
    double rouge1 = 0.0;             // mean F1
    double loop_rate = 0.0, echo_rate = 0.0;
    double unsupported_per_note = 0.0;
    std::vector<std::string> notes;  // in item order
};

// Greedy notes (params' sampling and token limit) with the adapter applied unmerged (null:
// the base model); each item's prompt plus params.max_tokens must fit n_ctx.
note_check_result note_check_run(const model& m, const lora_adapter* adapter, const std::vector<note_check_item>& items,
                                 const generate_params& params, int64_t n_ctx, const fact_lexicons& lexicons);

// {"rouge1", "loop_rate", "echo_rate", "unsupported_per_note", "n"}
nlohmann::json note_check_json(const note_check_result& r);

}  // namespace clinote
