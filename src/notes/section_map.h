// Canonical note sections and the table that maps every dataset's section headers onto
// them (MTS-Dialog's GENHX, FAM/SOCHX, ...; ACI-Bench's HISTORY OF PRESENT ILLNESS, ...).
// Templates say which canonical sections each of their sections covers.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "notes/encounter.h"

namespace clinote {

struct section_info {
    std::string_view key;          // "history_of_present_illness"
    std::string_view title;        // "History of present illness"
    std::string_view instruction;  // what belongs in it, for the prompt
};

// Every canonical section, in the order a full note would list them.
const std::vector<section_info>& section_catalog();

// nullptr if key is not canonical.
const section_info* section_find(std::string_view key);

// Canonical key for a dataset header ("GENHX", "CC:", "Physical Examination"); matching
// ignores case, surrounding space and a trailing colon. Empty if the header is unknown.
std::string section_key_for_header(std::string_view header);

// Splits a full note at lines that consist of a known header alone (ACI-Bench style,
// "CHIEF COMPLAINT" or "CC:"). Text before the first header is dropped only if blank;
// otherwise it becomes a section with an empty header and key.
std::vector<note_section> note_split_sections(std::string_view note);

}  // namespace clinote
