// Training data export: train/valid/test JSONL in the chat forms TRL and MLX-LM read, built
// by the one prompt builder (notes/prompt.h): {"messages":[system, user, assistant]}, or
// TRL's conversational prompt-completion form {"prompt":[system, user], "completion":
// [assistant]}, on which TRL's SFTTrainer computes the loss on the completion only, the
// tokens and mask `clinote train` uses (tests/data/test_trl_tokens.py checks them against transformers).
#pragma once
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/split.h"
#include "notes/encounter.h"
#include "notes/note_template.h"

namespace clinote {

enum class export_format { messages, prompt_completion };

struct export_options {
    bool entity_tags = false;  // tag entities in the reference notes (entity_tagger.h)
    export_format format = export_format::messages;
};

// One JSONL line (without the newline) for encounter e: section-level encounters target
// their own section, full notes the whole template.
std::string export_line(const encounter& e, const note_template& t, const export_options& o);

// Writes <dir>/train.jsonl, valid.jsonl and test.jsonl (creating dir); encounters missing
// from the split are an error. Returns the line counts {train, valid, test}.
std::array<size_t, 3> export_chat_jsonl(const std::vector<encounter>& encounters, const split_result& split,
                                        const note_template& t, const export_options& o, const std::string& dir);

}  // namespace clinote
