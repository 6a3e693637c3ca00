// encounters.jsonl: the on-disk form of imported encounters, one encounter_to_json object
// per line (format in docs/data.md).
#pragma once
#include <string>
#include <vector>

#include "data/import.h"
#include "notes/encounter.h"

namespace clinote {

void encounters_write(const std::string& path, const std::vector<encounter>& encounters);

// Reads an encounters.jsonl; any bad line is fatal and named "<file>:<line>".
std::vector<encounter> encounters_read(const std::string& path);

// Appends `more` to `all`, rejecting (per policy) encounters whose id is already present.
void encounters_append_unique(std::vector<encounter>& all, std::vector<encounter> more, const import_options& o,
                              import_report& r);

}  // namespace clinote
