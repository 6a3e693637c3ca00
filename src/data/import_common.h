// Pieces the importers share (not part of the module's interface).
#pragma once
#include <string>
#include <string_view>

#include "core/error.h"
#include "data/import.h"

namespace clinote {

// Applies the --on-error policy to one bad row: throws "<where>: <problem>" under fail,
// otherwise records it in the report.
void import_reject(const import_options& o, import_report& r, const std::string& where, const std::string& problem);

// Runs the import of one row; an error it throws is applied to the --on-error policy
// like import_reject's (rethrown under fail, counted and recorded under skip).
template <class ImportRow>
void import_row_guarded(const import_options& o, import_report& r, ImportRow&& import_one) {
    try {
        import_one();
    } catch (const error& err) {
        if (o.policy == on_error::fail) throw;
        r.skipped++;
        r.problems.push_back(err.what());
    }
}

// Text without leading and trailing whitespace.
std::string trim_copy(std::string_view s);

// "train_aci_asrcorr" for ".../train_aci_asrcorr.csv".
std::string file_stem(const std::string& path);

// Fills sections from note and checks an imported encounter; returns the problem or "".
std::string encounter_problem(const encounter& e);

}  // namespace clinote

#include <map>
#include <nlohmann/json.hpp>

namespace clinote {

// ACI-Bench <split>_metadata.csv beside a data file, keyed by both encounter_id ("D2N001")
// and transcript-variant id ("VA049"). Empty when the file is absent.
struct aci_metadata {
    std::map<std::string, std::string> encounter_of;  // variant id -> encounter id
    std::map<std::string, nlohmann::json> fields;     // encounter id -> metadata object
};
aci_metadata aci_metadata_load(const std::string& data_path);

// One ACI-Bench encounter from its parts (shared by the CSV and JSON importers).
encounter aci_encounter(const std::string& encounter_id, const std::string& variant, const std::string& dataset,
                        const std::string& dialogue, const std::string& note, const aci_metadata& meta);

}  // namespace clinote
