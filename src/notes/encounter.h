// The one internal form of a recorded visit: every importer produces it, the prompt
// builder, splitter and exporter consume it, and encounters.jsonl stores it.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace clinote {

struct turn {
    std::string speaker;  // normalised label: "Doctor", "Patient", "Family", ...
    std::string text;
};

// A note section as the source dataset labelled it (header) and the canonical section
// key that header maps to (see section_map.h); key is empty when the header is unknown.
struct note_section {
    std::string header;
    std::string key;
    std::string text;
};

struct encounter {
    std::string id;      // unique within a dataset
    std::string group;   // conversation id: splits never separate encounters of one group
    std::string source;  // importer that produced it: "mts-dialog", "aci-bench", ...
    std::vector<turn> turns;
    std::string note;                   // full reference note, empty if only sections exist
    std::vector<note_section> sections; // reference note split into sections
    nlohmann::json metadata = nlohmann::json::object();
};

// Section-level encounters (one MTS-Dialog row) carry exactly one section and no full note:
// the target of a training example is that section alone.
bool encounter_is_section_level(const encounter& e);

// The reference text a model should produce for e: the full note, or the single section.
std::string encounter_reference(const encounter& e);

// "Doctor: ...\nPatient: ..." — the transcript exactly as the model sees it.
std::string encounter_transcript(const encounter& e);

// Throws clinote::error naming `where` if e has no id or no non-empty turn.
void encounter_require_valid(const encounter& e, const std::string& where);

nlohmann::json encounter_to_json(const encounter& e);
// where names the file:line for errors ("encounters.jsonl:12").
encounter encounter_from_json(const nlohmann::json& j, const std::string& where);

}  // namespace clinote
