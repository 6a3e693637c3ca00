// ACI-Bench JSON and generic JSON-lines importers.
#include "core/error.h"
#include "core/file.h"
#include "data/import.h"
#include "data/import_common.h"
#include "notes/section_map.h"
#include "notes/transcript.h"

namespace clinote {

std::vector<encounter> import_aci_json(const std::string& path, const import_options& o, import_report& r) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(file_read_text(path));
    } catch (const nlohmann::json::exception& e) {
        fail(path, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object() || !j.contains("data") || !j["data"].is_array())
        fail(path, "expected an object with a \"data\" array (ACI-Bench *_full.json)");
    const aci_metadata meta = aci_metadata_load(path);
    std::vector<encounter> out;
    const auto& data = j["data"];
    for (size_t i = 0; i < data.size(); i++) {
        r.read++;
        const std::string where = path + ": data[" + std::to_string(i) + "]";
        const auto& d = data[i];
        if (!d.is_object() || !d.contains("src") || !d["src"].is_string() || !d.contains("tgt") ||
            !d["tgt"].is_string() || !d.contains("file") || !d["file"].is_string()) {
            import_reject(o, r, where, "expected string fields src, tgt and file");
            continue;
        }
        // "D2N001-virtassist" -> encounter D2N001 from the virtassist subset.
        const std::string file = d["file"].get<std::string>();
        const size_t dash = file.find('-');
        const std::string enc_id = file.substr(0, dash);
        const std::string dataset = dash == std::string::npos ? "" : file.substr(dash + 1);
        encounter e = aci_encounter(enc_id, "", dataset, d["src"].get<std::string>(), d["tgt"].get<std::string>(), meta);
        e.metadata["file"] = file_stem(path);
        if (const std::string p = encounter_problem(e); !p.empty()) { import_reject(o, r, where, p); continue; }
        out.push_back(std::move(e));
    }
    return out;
}

namespace {

encounter encounter_from_loose_json(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object()) fail(where, "each line must be a JSON object");
    if (j.contains("turns")) return encounter_from_json(j, where);
    encounter e;
    auto text_field = [&](const char* key) -> std::string {
        if (!j.contains(key)) return {};
        if (!j[key].is_string()) fail(where, std::string(key) + ": must be a string");
        return j[key].get<std::string>();
    };
    e.id = text_field("id");
    if (e.id.empty()) fail(where, "id: missing");
    e.group = text_field("group");
    if (e.group.empty()) e.group = e.id;
    e.source = text_field("source");
    if (e.source.empty()) e.source = "jsonl";
    std::string dialogue = text_field("transcript");
    if (dialogue.empty()) dialogue = text_field("dialogue");
    e.turns = transcript_parse(dialogue);
    e.note = trim_copy(text_field("note"));
    e.sections = note_split_sections(e.note);
    if (j.contains("metadata")) {
        if (!j["metadata"].is_object()) fail(where, "metadata: must be an object");
        e.metadata = j["metadata"];
    }
    return e;
}

}  // namespace

std::vector<encounter> import_jsonl(const std::string& path, const import_options& o, import_report& r) {
    const std::string text = file_read_text(path);
    std::vector<encounter> out;
    size_t pos = 0, line = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string row = trim_copy(std::string_view(text).substr(pos, end - pos));
        pos = end + 1;
        line++;
        if (row.empty()) continue;
        r.read++;
        const std::string where = path + ":" + std::to_string(line);
        import_row_guarded(o, r, [&] {
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(row);
            } catch (const nlohmann::json::exception& e) {
                fail(where, std::string("not valid JSON: ") + e.what());
            }
            encounter e = encounter_from_loose_json(j, where);
            if (const std::string p = encounter_problem(e); !p.empty()) fail(where, p);
            out.push_back(std::move(e));
        });
    }
    return out;
}

}  // namespace clinote
