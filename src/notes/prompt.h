// THE prompt builder. Training export, `clinote note`, evaluation and the server all build
// their chat messages here, so the prompt a model sees in production is byte-identical to
// the one it was trained on.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notes/encounter.h"
#include "notes/note_template.h"

namespace clinote {

struct prompt_options {
    // Write one section only: a canonical section key ("medications") or the title of a
    // section of the template ("PLAN"). Empty: the whole note.
    std::string target_section;
    bool entity_tags = false;  // ask for {{type:value}} tags (entities.h)
};

// [{"role":"system","content":...},{"role":"user","content":...}]: instructions from the
// template, then the transcript. Throws for an empty transcript or unknown target section.
nlohmann::json prompt_messages(const std::vector<turn>& turns, const note_template& t, const prompt_options& o);
nlohmann::json prompt_messages(const encounter& e, const note_template& t, const prompt_options& o);

// prompt_messages plus {"role":"assistant","content": reference note}, entity-tagged by the
// dictionary tagger when o.entity_tags. A full note is arranged in t's sections
// (note_in_template.h); a section-level item answers with its section's text. Throws if e
// has no reference note.
nlohmann::json prompt_training_messages(const encounter& e, const note_template& t, const prompt_options& o);

// The target a dataset encounter implies: its section's key for a section-level encounter
// (one MTS-Dialog row), empty for a full note.
std::string prompt_default_target(const encounter& e);

}  // namespace clinote
