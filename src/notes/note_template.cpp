#include "notes/note_template.h"

#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/utf8.h"
#include "notes/section_map.h"

namespace clinote {

namespace {

std::string known_keys() {
    std::string s;
    for (const auto& c : section_catalog()) s += (s.empty() ? "" : ", ") + std::string(c.key);
    return s;
}

std::string required_string(const nlohmann::json& obj, const std::string& key, const std::string& where,
                            const std::string& field) {
    if (!obj.contains(key)) fail(where, field + ": missing");
    const auto& v = obj.at(key);
    if (!v.is_string() || v.get<std::string>().empty()) fail(where, field + ": must be a non-empty string");
    return v.get<std::string>();
}

std::string optional_string(const nlohmann::json& obj, const std::string& key, const std::string& where,
                            const std::string& field) {
    if (!obj.contains(key)) return {};
    if (!obj.at(key).is_string()) fail(where, field + ": must be a string");
    return obj.at(key).get<std::string>();
}

void reject_unknown_fields(const nlohmann::json& obj, const std::set<std::string>& allowed, const std::string& where,
                           const std::string& prefix) {
    for (const auto& [k, v] : obj.items()) {
        if (!allowed.count(k)) {
            std::string list;
            for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
            fail(where, prefix + k + ": unknown field (expected " + list + ")");
        }
    }
}

template_section section_from_json(const nlohmann::json& j, const std::string& where, const std::string& field) {
    if (!j.is_object()) fail(where, field + ": must be an object with title and instruction");
    reject_unknown_fields(j, {"title", "instruction", "covers"}, where, field + ".");
    template_section s;
    s.title = required_string(j, "title", where, field + ".title");
    s.instruction = required_string(j, "instruction", where, field + ".instruction");
    if (j.contains("covers")) {
        const auto& c = j.at("covers");
        if (!c.is_array()) fail(where, field + ".covers: must be an array of section keys");
        for (size_t i = 0; i < c.size(); i++) {
            const std::string f = field + ".covers[" + std::to_string(i) + "]";
            if (!c[i].is_string()) fail(where, f + ": must be a string");
            const std::string key = c[i].get<std::string>();
            if (!section_find(key)) fail(where, f + ": unknown section key '" + key + "' (known: " + known_keys() + ")");
            s.covers.push_back(key);
        }
    }
    return s;
}

}  // namespace

std::vector<std::string> template_headings(const note_template& t) {
    std::vector<std::string> out;
    for (const template_section& s : t.sections) out.push_back(s.title + ":");
    return out;
}

note_template template_find(const std::string& name, const std::vector<note_template>& custom) {
    for (const auto& t : custom)
        if (t.name == name) return t;
    for (const auto& t : template_builtins())
        if (t.name == name) return t;
    std::string known;
    for (const auto& t : template_builtins()) known += (known.empty() ? "" : ", ") + t.name;
    for (const auto& t : custom) known += ", " + t.name;
    fail("template '" + name + "'", "unknown; known templates: " + known);
}

note_template template_from_json(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object()) fail(where, "a template must be a JSON object with name and sections");
    reject_unknown_fields(j, {"name", "title", "description", "sections", "example"}, where, "");
    note_template t;
    t.name = required_string(j, "name", where, "name");
    for (char c : t.name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            fail(where, "name: '" + t.name + "' must use only lowercase letters, digits, '-' and '_'");
    }
    t.title = optional_string(j, "title", where, "title");
    if (t.title.empty()) t.title = t.name;
    t.description = optional_string(j, "description", where, "description");
    t.example = optional_string(j, "example", where, "example");
    if (!j.contains("sections")) fail(where, "sections: missing");
    const auto& secs = j.at("sections");
    if (!secs.is_array() || secs.empty()) fail(where, "sections: must be a non-empty array");
    std::set<std::string> titles, covered;
    for (size_t i = 0; i < secs.size(); i++) {
        const std::string field = "sections[" + std::to_string(i) + "]";
        template_section s = section_from_json(secs[i], where, field);
        if (!titles.insert(s.title).second) fail(where, field + ".title: duplicate section title '" + s.title + "'");
        for (const auto& k : s.covers)
            if (!covered.insert(k).second)
                fail(where, field + ".covers: section key '" + k + "' is already covered by an earlier section");
        t.sections.push_back(std::move(s));
    }
    return t;
}

nlohmann::json template_to_json(const note_template& t) {
    nlohmann::json secs = nlohmann::json::array();
    for (const auto& s : t.sections)
        secs.push_back({{"title", s.title}, {"instruction", s.instruction}, {"covers", s.covers}});
    nlohmann::json j = {{"name", t.name}, {"title", t.title}, {"description", t.description}, {"sections", secs}};
    if (!t.example.empty()) j["example"] = t.example;
    return j;
}

note_template template_load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "cannot open template file");
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    utf8_require(text, path);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        fail(path, std::string("not valid JSON: ") + e.what());
    }
    return template_from_json(j, path);
}

const template_section* template_section_for_key(const note_template& t, const std::string& key) {
    for (const auto& s : t.sections)
        for (const auto& k : s.covers)
            if (k == key) return &s;
    return nullptr;
}

}  // namespace clinote
