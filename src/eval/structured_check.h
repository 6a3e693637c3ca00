// Structured-output checks for generated JSON (ClinicalSummary or any schema): does it parse,
// does it conform to the schema, and how many of its fields agree with a reference JSON.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace clinote {

struct structured_result {
    bool parsed = false;
    bool schema_valid = false;
    std::string error;  // the parse error or the first schema violation ("/path: message")
    // Field-level agreement with the reference (when one is given and the output parsed).
    bool has_reference = false;
    size_t generated_fields = 0, reference_fields = 0, matched_fields = 0;
    double precision = 0, recall = 0, f1 = 0;
};

// The leaves of a JSON value as "path=value" strings, the unit of field-level matching.
// Array indices are dropped ("/medications/*/name=metformin") so list order does not matter;
// strings are lower-cased with runs of whitespace collapsed and ends trimmed; numbers print in
// shortest form (500 and 500.0 agree); null leaves (unknown) are left out.
std::vector<std::string> json_leaf_fields(const nlohmann::json& value);

// text: the model's answer; one surrounding ```json fence (or ```) is removed before parsing,
// as chat models often add it. Precision = matched / generated leaves, recall = matched /
// reference leaves, leaves matched as multisets.
structured_result structured_check(std::string_view text, const nlohmann::json& schema,
                                   const std::optional<nlohmann::json>& reference);

}  // namespace clinote
