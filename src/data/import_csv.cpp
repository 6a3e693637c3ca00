// MTS-Dialog and ACI-Bench CSV importers.
#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "core/file.h"
#include "data/csv.h"
#include "data/import.h"
#include "data/import_common.h"
#include "notes/section_map.h"
#include "notes/transcript.h"

namespace clinote {

namespace {

// Column index by name in the header record; throws naming the file when absent.
size_t column(const csv_record& header, const std::string& name, const std::string& path) {
    for (size_t i = 0; i < header.fields.size(); i++)
        if (header.fields[i] == name) return i;
    fail(path + ":1", "missing column '" + name + "'");
}

std::string where_of(const std::string& path, const csv_record& rec) {
    return path + ":" + std::to_string(rec.line);
}

}  // namespace

// A row the CSV reader could parse and that has as many fields as the header; others are
// reported (and skipped or fatal, per the import options).
static bool row_is_well_formed(const csv_record& header, const csv_record& rec, const std::string& where,
                               const import_options& o, import_report& r) {
    if (!rec.error.empty()) {
        import_reject(o, r, where, rec.error);
        return false;
    }
    if (rec.fields.size() != header.fields.size()) {
        import_reject(o, r, where, "expected " + std::to_string(header.fields.size()) + " fields, found " +
                                       std::to_string(rec.fields.size()));
        return false;
    }
    return true;
}

std::vector<encounter> import_mts_dialog(const std::string& path, const import_options& o, import_report& r) {
    const auto records = csv_parse(file_read_text(path));
    if (records.empty()) fail(path, "empty CSV file");
    const csv_record& header = records[0];
    const size_t c_id = column(header, "ID", path), c_header = column(header, "section_header", path),
                 c_text = column(header, "section_text", path), c_dialogue = column(header, "dialogue", path);
    const std::string stem = file_stem(path);
    std::vector<encounter> out;
    for (size_t k = 1; k < records.size(); k++) {
        const csv_record& rec = records[k];
        r.read++;
        const std::string where = where_of(path, rec);
        if (!row_is_well_formed(header, rec, where, o, r)) continue;
        encounter e;
        const std::string id = trim_copy(rec.fields[c_id]);
        e.id = id.empty() ? "" : "mts-" + stem + "-" + id;
        e.group = e.id;
        e.source = "mts-dialog";
        e.turns = transcript_parse(rec.fields[c_dialogue]);
        const std::string section_header = trim_copy(rec.fields[c_header]);
        const std::string key = section_key_for_header(section_header);
        if (key.empty()) { import_reject(o, r, where, "unknown section header '" + section_header + "'"); continue; }
        e.sections.push_back({section_header, key, trim_copy(rec.fields[c_text])});
        e.metadata = {{"dataset_id", id}, {"file", stem}};
        if (const std::string p = encounter_problem(e); !p.empty()) { import_reject(o, r, where, p); continue; }
        out.push_back(std::move(e));
    }
    return out;
}

aci_metadata aci_metadata_load(const std::string& data_path) {
    namespace fs = std::filesystem;
    aci_metadata m;
    const std::string stem = file_stem(data_path);
    const std::string split = stem.substr(0, stem.find('_'));
    const fs::path meta_path = fs::path(data_path).parent_path() / (split + "_metadata.csv");
    if (!fs::exists(meta_path)) return m;
    const std::string mp = meta_path.string();
    const auto records = csv_parse(file_read_text(mp));
    if (records.empty()) return m;
    const csv_record& header = records[0];
    const size_t c_enc = column(header, "encounter_id", mp), c_id = column(header, "id", mp);
    for (size_t k = 1; k < records.size(); k++) {
        const csv_record& rec = records[k];
        if (!rec.error.empty() || rec.fields.size() != header.fields.size())
            fail(where_of(mp, rec), rec.error.empty() ? "wrong number of fields" : rec.error);
        nlohmann::json fields = nlohmann::json::object();
        for (size_t c = 0; c < header.fields.size(); c++)
            if (c != c_enc && c != c_id && !rec.fields[c].empty()) fields[header.fields[c]] = rec.fields[c];
        fields["variant_id"] = rec.fields[c_id];
        m.encounter_of[rec.fields[c_id]] = rec.fields[c_enc];
        m.fields[rec.fields[c_enc]] = fields;
    }
    return m;
}

encounter aci_encounter(const std::string& encounter_id, const std::string& variant, const std::string& dataset,
                        const std::string& dialogue, const std::string& note, const aci_metadata& meta) {
    encounter e;
    e.group = encounter_id.empty() ? "" : "aci-" + encounter_id;
    e.id = e.group.empty() || variant.empty() ? e.group : e.group + "-" + variant;
    e.source = variant.empty() ? "aci-bench" : "aci-bench/" + variant;
    e.turns = transcript_parse(dialogue);
    e.note = trim_copy(note);
    e.sections = note_split_sections(e.note);
    if (auto it = meta.fields.find(encounter_id); it != meta.fields.end()) e.metadata = it->second;
    e.metadata["encounter_id"] = encounter_id;
    if (!dataset.empty()) e.metadata["dataset"] = dataset;
    return e;
}

std::vector<encounter> import_aci_csv(const std::string& path, const import_options& o, import_report& r) {
    const auto records = csv_parse(file_read_text(path));
    if (records.empty()) fail(path, "empty CSV file");
    const csv_record& header = records[0];
    const bool is_variant = std::find(header.fields.begin(), header.fields.end(), "encounter_id") == header.fields.end();
    const size_t c_dataset = column(header, "dataset", path),
                 c_id = column(header, is_variant ? "id" : "encounter_id", path),
                 c_dialogue = column(header, "dialogue", path), c_note = column(header, "note", path);
    const std::string stem = file_stem(path);
    // "train_aci_asrcorr" -> variant "aci_asrcorr"; the main files have none.
    const std::string variant = is_variant && stem.find('_') != std::string::npos ? stem.substr(stem.find('_') + 1)
                                : is_variant                                     ? stem
                                                                                 : "";
    const aci_metadata meta = aci_metadata_load(path);
    std::vector<encounter> out;
    for (size_t k = 1; k < records.size(); k++) {
        const csv_record& rec = records[k];
        r.read++;
        const std::string where = where_of(path, rec);
        if (!row_is_well_formed(header, rec, where, o, r)) continue;
        std::string enc_id = trim_copy(rec.fields[c_id]);
        if (is_variant) {
            auto it = meta.encounter_of.find(enc_id);
            if (it != meta.encounter_of.end()) enc_id = it->second;
        }
        encounter e = aci_encounter(enc_id, variant, rec.fields[c_dataset], rec.fields[c_dialogue], rec.fields[c_note],
                                    meta);
        e.metadata["file"] = stem;
        if (const std::string p = encounter_problem(e); !p.empty()) { import_reject(o, r, where, p); continue; }
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace clinote
