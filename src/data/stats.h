// Summary figures of an encounter set, for `clinote data stats`.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notes/encounter.h"

namespace clinote {

struct dataset_stats {
    size_t encounters = 0, groups = 0, full_notes = 0, section_level = 0;
    size_t turns = 0, transcript_words = 0, reference_words = 0;
    size_t max_transcript_words = 0, max_reference_words = 0;
    std::map<std::string, size_t> by_source, by_section, speakers;  // section: canonical key
};

dataset_stats stats_compute(const std::vector<encounter>& encounters);
nlohmann::json stats_to_json(const dataset_stats& s);
std::string stats_to_text(const dataset_stats& s);

}  // namespace clinote
