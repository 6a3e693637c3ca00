// The prompt for a structured ClinicalSummary (part of the one prompt builder: training
// export, `clinote note --json`, eval and the server all call this).
#pragma once
#include <nlohmann/json.hpp>
#include <vector>

#include "notes/encounter.h"

namespace clinote {

// [{"role":"system",...},{"role":"user", transcript}]. Throws for an empty transcript.
nlohmann::json prompt_summary_messages(const std::vector<turn>& turns);

}  // namespace clinote
