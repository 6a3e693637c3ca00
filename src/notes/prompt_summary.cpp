#include "notes/prompt_summary.h"

#include "core/error.h"
#include "notes/transcript.h"

namespace clinote {

nlohmann::json prompt_summary_messages(const std::vector<turn>& turns) {
    bool any_text = false;
    for (const auto& t : turns) any_text = any_text || !t.text.empty();
    if (!any_text) fail("transcript", "empty: there is nothing to summarise");
    const std::string system =
        "You are a medical scribe. You are given the transcript of a conversation between a clinician and a "
        "patient. Fill in the ClinicalSummary JSON object for this visit: patient, encounter, problems, "
        "medications (dose as value and unit), allergies, vitals, labs, assessment, plan and follow-up. Use only "
        "information stated in the conversation; write null (or an empty list) for anything it does not state, "
        "never a guess. Output only the JSON object.";
    return nlohmann::json::array({{{"role", "system"}, {"content", system}},
                                  {{"role", "user"}, {"content", "Transcript:\n" + transcript_format(turns)}}});
}

nlohmann::json prompt_summary_from_note_messages(const std::string& note) {
    if (note.find_first_not_of(" \t\r\n") == std::string::npos) fail("approved note", "empty: there is nothing to summarise");
    const std::string system =
        "You are a medical scribe. You are given a clinical note that a clinician has reviewed and approved. Fill in "
        "the ClinicalSummary JSON object for this visit: patient, encounter, problems, medications (dose as value and "
        "unit), allergies, vitals, labs, assessment, plan and follow-up. Use only information stated in the note; "
        "write null (or an empty list) for anything it does not state, never a guess. Output only the JSON object.";
    return nlohmann::json::array({{{"role", "system"}, {"content", system}},
                                  {{"role", "user"}, {"content", "Approved note:\n" + note}}});
}

}  // namespace clinote
