#include "notes/prompt.h"

#include <cctype>

#include "core/error.h"
#include "notes/entities.h"
#include "notes/entity_tagger.h"
#include "notes/note_in_template.h"
#include "notes/section_map.h"
#include "notes/transcript.h"

namespace clinote {

namespace {

constexpr const char* scribe_intro =
    "You are a medical scribe. You are given the transcript of a conversation between a clinician and a patient.";

constexpr const char* faithfulness =
    "Use only information stated in the conversation. Do not invent findings, values, history or plans; "
    "if the conversation does not cover something, leave it out. Write concise, professional clinical English "
    "in the third person.";

bool equals_ignore_case(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); i++)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string entity_instructions() {
    std::string types;
    for (const auto& t : entity_types()) types += (types.empty() ? "" : ", ") + t;
    return "Mark clinical entities inline as {{type:text}}, where type is one of " + types +
           ", and text is exactly the words of the note, for example: " + entity_tag("drug", "metformin") + " " +
           entity_tag("dose", "500 mg") + " twice daily for " + entity_tag("dx", "type 2 diabetes") + ".";
}

std::string whole_note_instructions(const note_template& t) {
    std::string s = std::string(scribe_intro) + " Write the " + t.title + " for this visit.";
    if (!t.description.empty()) s += "\n" + t.description;
    s += "\n\n" + std::string(faithfulness);
    s += "\n\nWrite these sections in this order, each starting with its heading on its own line:";
    for (const auto& sec : t.sections) s += "\n" + sec.title + ": " + sec.instruction;
    if (!t.example.empty()) s += "\n\nExample of the expected format:\n" + t.example;
    return s;
}

std::string one_section_instructions(const note_template& t, const std::string& target) {
    std::string title, instruction;
    if (const section_info* info = section_find(target)) {
        title = info->title;
        instruction = info->instruction;
    } else {
        for (const auto& sec : t.sections) {
            if (equals_ignore_case(sec.title, target)) {
                title = sec.title;
                instruction = sec.instruction;
            }
        }
    }
    if (title.empty()) {
        std::string known;
        for (const auto& sec : t.sections) known += (known.empty() ? "" : ", ") + sec.title;
        for (const auto& c : section_catalog()) known += ", " + std::string(c.key);
        fail("section '" + target + "'", "unknown for template '" + t.name + "'; known: " + known);
    }
    return std::string(scribe_intro) + " Write only the " + title + " section of a " + t.title + " for this visit: " +
           instruction + ".\n\n" + faithfulness + "\n\nWrite the section text only, without a heading.";
}

}  // namespace

nlohmann::json prompt_messages(const std::vector<turn>& turns, const note_template& t, const prompt_options& o) {
    const std::string transcript = transcript_format(turns);
    bool any_text = false;
    for (const auto& tr : turns) any_text = any_text || !tr.text.empty();
    if (!any_text) fail("transcript", "empty: there is nothing to write a note from");
    std::string system =
        o.target_section.empty() ? whole_note_instructions(t) : one_section_instructions(t, o.target_section);
    if (o.entity_tags) system += "\n\n" + entity_instructions();
    return nlohmann::json::array({
        {{"role", "system"}, {"content", system}},
        {{"role", "user"}, {"content", "Transcript:\n" + transcript}},
    });
}

nlohmann::json prompt_messages(const encounter& e, const note_template& t, const prompt_options& o) {
    try {
        return prompt_messages(e.turns, t, o);
    } catch (const error& err) {
        fail("encounter '" + e.id + "'", err.what());
    }
}

nlohmann::json prompt_training_messages(const encounter& e, const note_template& t, const prompt_options& o) {
    nlohmann::json messages = prompt_messages(e, t, o);
    // A full note is arranged in the template's sections, as the prompt asks for them.
    const std::string reference =
        o.target_section.empty() && !e.sections.empty() ? note_in_template(e.sections, t) : encounter_reference(e);
    if (reference.empty()) fail("encounter '" + e.id + "'", "no reference note to train on");
    messages.push_back({{"role", "assistant"}, {"content", o.entity_tags ? entities_tag_text(reference) : reference}});
    return messages;
}

std::string prompt_default_target(const encounter& e) {
    if (!encounter_is_section_level(e)) return {};
    const note_section& s = e.sections[0];
    if (s.key.empty()) fail("encounter '" + e.id + "'", "section header '" + s.header + "' maps to no known section");
    return s.key;
}

}  // namespace clinote
