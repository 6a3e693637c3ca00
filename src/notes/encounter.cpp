#include "notes/encounter.h"

#include "core/error.h"
#include "notes/transcript.h"

namespace clinote {

bool encounter_is_section_level(const encounter& e) { return e.note.empty() && e.sections.size() == 1; }

std::string encounter_reference(const encounter& e) {
    if (!e.note.empty()) return e.note;
    if (e.sections.size() == 1) return e.sections[0].text;
    std::string out;
    for (const auto& s : e.sections) {
        if (!out.empty()) out += "\n\n";
        if (!s.header.empty()) out += s.header + "\n\n";
        out += s.text;
    }
    return out;
}

std::string encounter_transcript(const encounter& e) { return transcript_format(e.turns); }

void encounter_require_valid(const encounter& e, const std::string& where) {
    if (e.id.empty()) fail(where, "encounter without an id");
    bool any = false;
    for (const auto& t : e.turns) any = any || !t.text.empty();
    if (!any) fail(where, "encounter '" + e.id + "': empty transcript");
}

nlohmann::json encounter_to_json(const encounter& e) {
    nlohmann::json turns = nlohmann::json::array();
    for (const auto& t : e.turns) turns.push_back({{"speaker", t.speaker}, {"text", t.text}});
    nlohmann::json sections = nlohmann::json::array();
    for (const auto& s : e.sections) sections.push_back({{"header", s.header}, {"key", s.key}, {"text", s.text}});
    return {{"id", e.id},         {"group", e.group},       {"source", e.source}, {"turns", turns},
            {"note", e.note},     {"sections", sections},   {"metadata", e.metadata}};
}

namespace {

std::string string_field(const nlohmann::json& j, const char* key, const std::string& where, bool required) {
    if (!j.contains(key)) {
        if (required) fail(where, std::string(key) + ": missing");
        return {};
    }
    if (!j.at(key).is_string()) fail(where, std::string(key) + ": must be a string");
    return j.at(key).get<std::string>();
}

}  // namespace

encounter encounter_from_json(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object()) fail(where, "an encounter must be a JSON object");
    encounter e;
    e.id = string_field(j, "id", where, true);
    e.group = string_field(j, "group", where, false);
    if (e.group.empty()) e.group = e.id;
    e.source = string_field(j, "source", where, false);
    e.note = string_field(j, "note", where, false);
    if (!j.contains("turns") || !j.at("turns").is_array()) fail(where, "turns: must be an array");
    const auto& turns = j.at("turns");
    for (size_t i = 0; i < turns.size(); i++) {
        const std::string f = where + ": turns[" + std::to_string(i) + "]";
        if (!turns[i].is_object()) fail(f, "must be an object with speaker and text");
        e.turns.push_back({string_field(turns[i], "speaker", f, true), string_field(turns[i], "text", f, true)});
    }
    if (j.contains("sections")) {
        const auto& secs = j.at("sections");
        if (!secs.is_array()) fail(where, "sections: must be an array");
        for (size_t i = 0; i < secs.size(); i++) {
            const std::string f = where + ": sections[" + std::to_string(i) + "]";
            if (!secs[i].is_object()) fail(f, "must be an object with header, key and text");
            e.sections.push_back({string_field(secs[i], "header", f, false), string_field(secs[i], "key", f, false),
                                  string_field(secs[i], "text", f, true)});
        }
    }
    if (j.contains("metadata")) {
        if (!j.at("metadata").is_object()) fail(where, "metadata: must be an object");
        e.metadata = j.at("metadata");
    }
    encounter_require_valid(e, where);
    return e;
}

}  // namespace clinote
