// ClinicalSummary: the structured summary of one encounter that the model fills in under
// constrained decoding (its JSON Schema is schemas/clinical_summary.schema.json, also built in
// here) and that fhir_export.h turns into a FHIR R4 Bundle. Unknown is null, never invented.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace clinote {

struct summary_dose {
    std::optional<double> value;
    std::optional<std::string> unit;
};

struct summary_problem {
    std::string text;
    std::optional<std::string> icd10;  // only when the source states it
    std::string status;                // FHIR condition-clinical code, or "unknown"
};

struct summary_medication {
    std::string name;
    std::optional<summary_dose> dose;
    std::optional<std::string> route, frequency;
    std::string status;  // FHIR MedicationStatement.status code
};

struct summary_allergy {
    std::string substance;
    std::optional<std::string> reaction;
    std::optional<std::string> severity;  // mild | moderate | severe
};

// A vital sign or lab result: a number, a text value (e.g. "120/80"), or neither.
struct summary_measurement {
    std::string name;
    std::optional<double> number;
    std::optional<std::string> text;
    std::optional<std::string> unit;
};

struct clinical_summary {
    std::optional<int> age;
    std::optional<std::string> sex;  // female | male | other | unknown
    std::optional<std::string> encounter_date, encounter_type, encounter_reason;
    std::vector<summary_problem> problems;
    std::vector<summary_medication> medications;
    std::vector<summary_allergy> allergies;
    std::vector<summary_measurement> vitals, labs;
    std::optional<std::string> assessment;
    std::vector<std::string> plan;
    std::optional<std::string> follow_up;
};

// The schema, keys in the order the model writes them.
const nlohmann::ordered_json& clinical_summary_schema();

// Validates j against the schema first; throws clinote::error "<where><pointer>: <problem>"
// naming the first violation.
clinical_summary summary_from_json(const nlohmann::json& j, const std::string& where = "summary");
nlohmann::ordered_json summary_to_json(const clinical_summary& s);

}  // namespace clinote
