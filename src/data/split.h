// Train/valid/test splits without leakage: whole conversation groups are assigned, never
// single examples; the assignment depends only on the seed and the encounters' ids (not on
// their order), is stratified by target section, and can hold concepts out of training.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notes/encounter.h"

namespace clinote {

struct split_options {
    double train = 0.8, valid = 0.1, test = 0.1;  // fractions, normalised to sum 1
    uint64_t seed = 42;
    bool stratify = true;  // split each target section (or "note") separately
    // Every group with an encounter whose transcript or reference mentions one of these
    // (case-insensitive, whole words) goes to test.
    std::vector<std::string> holdout_concepts;
};

struct split_result {
    std::map<std::string, std::string> split_of;  // encounter id -> "train" | "valid" | "test"
    std::vector<std::string> held_out;            // encounter ids sent to test by a concept
};

split_result split_encounters(const std::vector<encounter>& encounters, const split_options& o);

// True if text mentions concept as whole words, ignoring ASCII case.
bool text_mentions(const std::string& text, const std::string& concept_name);

// splits.json: {"seed":..,"ratios":[..],"holdout_concepts":[..],"train":[ids],"valid":[..],"test":[..]}
nlohmann::json split_to_json(const split_result& s, const split_options& o);
split_result split_from_json(const nlohmann::json& j, const std::string& where);

// "0.8,0.1,0.1" -> fractions; errors name the flag.
void split_parse_ratios(const std::string& text, split_options& o);

}  // namespace clinote
