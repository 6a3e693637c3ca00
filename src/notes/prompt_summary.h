// The prompt for a structured ClinicalSummary (part of the one prompt builder: training
// export, `clinote note --json`, eval and the server all call this).
#pragma once
#include <nlohmann/json.hpp>
#include <vector>

#include "notes/encounter.h"

namespace clinote {

// [{"role":"system",...},{"role":"user", transcript}]. Throws for an empty transcript.
nlohmann::json prompt_summary_messages(const std::vector<turn>& turns);

// The same ClinicalSummary, filled in from a note a clinician approved (what leaves the vault
// as structured data is then what was approved). Throws for an empty note.
nlohmann::json prompt_summary_from_note_messages(const std::string& note);

}  // namespace clinote
