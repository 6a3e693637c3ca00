// Dataset importers: each reads one source format into encounters (notes/encounter.h).
#pragma once
#include <string>
#include <vector>

#include "notes/encounter.h"

namespace clinote {

enum class on_error { skip, fail };

struct import_options {
    on_error policy = on_error::fail;
};

// What an import did; problems are "<file>:<line>: <problem>" for rows that were skipped.
struct import_report {
    size_t read = 0;
    size_t skipped = 0;
    std::vector<std::string> problems;
};

// MTS-Dialog CSV (ID,section_header,section_text,dialogue): one section-level encounter per
// row, id "mts-<file stem>-<ID>".
std::vector<encounter> import_mts_dialog(const std::string& path, const import_options& o, import_report& r);

// ACI-Bench CSV, the main files (dataset,encounter_id,dialogue,note) and the transcript
// variants (dataset,id,dialogue,note: asr, asrcorr, humantrans). Ids are "aci-<encounter_id>"
// (plus "-<variant>"), grouped by encounter; a <split>_metadata.csv beside the file maps
// variant ids to encounter ids and adds metadata.
std::vector<encounter> import_aci_csv(const std::string& path, const import_options& o, import_report& r);

// ACI-Bench JSON ({"data":[{"src","tgt","file"}]}), same ids as the main CSV.
std::vector<encounter> import_aci_json(const std::string& path, const import_options& o, import_report& r);

// PriMock57 layout: <dir>/notes/<name>.json ({"note","presenting_complaint","highlights",..})
// with the transcript in <dir>/transcripts/<name>.txt ("Doctor: ..." lines) or the pair
// <name>_doctor.TextGrid / <name>_patient.TextGrid (utterances merged by start time).
std::vector<encounter> import_primock(const std::string& dir, const import_options& o, import_report& r);

// JSON lines, one encounter per line: the encounters.jsonl form (turns array), or
// {"id", "transcript" or "dialogue" (a string), "note", "metadata"}.
std::vector<encounter> import_jsonl(const std::string& path, const import_options& o, import_report& r);

// Formats by name: "mts-dialog", "aci-csv", "aci-json", "primock", "jsonl"; "auto" picks
// one from the path (directory, extension, CSV header). Unknown names list the known ones.
std::vector<encounter> import_any(const std::string& path, const std::string& format, const import_options& o,
                                  import_report& r);

}  // namespace clinote
