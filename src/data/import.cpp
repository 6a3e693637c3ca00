#include "data/import.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/file.h"
#include "core/utf8.h"
#include "data/csv.h"
#include "data/import_common.h"

namespace clinote {

void import_reject(const import_options& o, import_report& r, const std::string& where, const std::string& problem) {
    if (o.policy == on_error::fail) fail(where, problem + " (use --on-error skip to skip such rows)");
    r.skipped++;
    r.problems.push_back(where + ": " + problem);
}

std::string trim_copy(std::string_view s) {
    const char* ws = " \t\r\n\f\v";
    const size_t b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    const size_t e = s.find_last_not_of(ws);
    return std::string(s.substr(b, e - b + 1));
}

std::string file_stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

std::string encounter_problem(const encounter& e) {
    if (e.id.empty()) return "missing id";
    if (e.turns.empty()) return "empty transcript (no dialogue turns)";
    if (e.note.empty() && e.sections.empty()) return "no reference note";
    for (const auto& s : e.sections)
        if (e.note.empty() && trim_copy(s.text).empty()) return "empty note section '" + s.header + "'";
    return {};
}


namespace {

std::string detect_format(const std::string& path) {
    namespace fs = std::filesystem;
    if (fs::is_directory(path)) return "primock";
    const std::string ext = fs::path(path).extension().string();
    if (ext == ".jsonl") return "jsonl";
    if (ext == ".json") return "aci-json";
    if (ext == ".csv") {
        const auto records = csv_parse(file_read_text(path));
        if (records.empty()) fail(path, "empty CSV file");
        const auto& h = records[0].fields;
        std::string header;
        for (const auto& f : h) header += (header.empty() ? "" : ",") + f;
        if (header == "ID,section_header,section_text,dialogue") return "mts-dialog";
        if (header == "dataset,encounter_id,dialogue,note" || header == "dataset,id,dialogue,note") return "aci-csv";
        fail(path, "CSV header '" + header +
                       "' is neither MTS-Dialog (ID,section_header,section_text,dialogue) nor ACI-Bench "
                       "(dataset,encounter_id,dialogue,note); give --format");
    }
    fail(path, "cannot tell the format from the name; give --format (mts-dialog, aci-csv, aci-json, primock, jsonl)");
}

}  // namespace

std::vector<encounter> import_any(const std::string& path, const std::string& format, const import_options& o,
                                  import_report& r) {
    if (!std::filesystem::exists(path)) fail(path, "no such file or directory");
    const std::string f = format == "auto" ? detect_format(path) : format;
    if (f == "mts-dialog") return import_mts_dialog(path, o, r);
    if (f == "aci-csv") return import_aci_csv(path, o, r);
    if (f == "aci-json") return import_aci_json(path, o, r);
    if (f == "primock") return import_primock(path, o, r);
    if (f == "jsonl") return import_jsonl(path, o, r);
    fail("--format " + format, "unknown format; known: auto, mts-dialog, aci-csv, aci-json, primock, jsonl");
}

}  // namespace clinote
