// A JSON Schema (draft 2020-12) validator for the subset clinote's schemas use: type (one or
// an array), properties, required, additionalProperties (boolean), items, enum, const,
// minimum/maximum, minLength/maxLength (in code points), minItems/maxItems. Annotations
// (title, description, $schema, $id, $comment, examples, default, format, deprecated,
// readOnly, writeOnly) are ignored; any other keyword is an error, never silently skipped.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace clinote {

struct schema_error {
    std::string path;     // JSON pointer to the offending value in the instance ("" = root)
    std::string keyword;  // the schema keyword that failed ("type", "required", ...)
    std::string message;
};

// Every violation, in document order (empty: valid). Throws clinote::error
// "json schema <pointer>: unsupported keyword" for a keyword outside the subset.
std::vector<schema_error> json_schema_validate(const nlohmann::json& schema, const nlohmann::json& instance);

}  // namespace clinote
