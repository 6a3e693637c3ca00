// ClinicalSummary → FHIR R4 Bundle: a Composition (sections with narrative and entry
// references) plus Patient, Condition, MedicationStatement, Observation (vital signs and
// laboratory) and AllergyIntolerance resources. Every entry has a urn:uuid fullUrl and every
// reference points at one of them, so the bundle stands on its own. Statuses are
// "preliminary" where FHIR has it: a generated summary awaits a clinician's review.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "notes/summary_schema.h"

namespace clinote {

struct fhir_export_options {
    std::string bundle_type = "document";  // "document" or "collection"
    std::string timestamp;                 // FHIR instant (e.g. 2024-05-01T10:00:00Z); empty: now, UTC
    uint64_t id_seed = 0;                  // resource ids are derived from it: same seed, same bundle
    std::string author = "clinote (generated, requires clinician review)";
    // The clinician who approved the summary and when (FHIR dateTime); given, the
    // Composition is "final" with a legal attester, else "preliminary".
    std::string attester, attested_at;
};

// Throws clinote::error on a bad bundle_type or timestamp.
nlohmann::ordered_json fhir_bundle_from_summary(const clinical_summary& s, const fhir_export_options& opt);

}  // namespace clinote
