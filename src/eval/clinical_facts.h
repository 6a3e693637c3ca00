// Facts that a clinical note can get wrong, extracted with their spans: numbers, doses with
// units, dates, drug names, laterality and findings with their negation. The factual
// checks compare these between transcript, note and reference note.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "eval/term_lexicon.h"

namespace clinote {

enum class fact_kind { number, dose, date, drug, laterality, negation };
constexpr size_t fact_kind_count = 6;
const char* fact_kind_name(fact_kind k);

enum class body_side { left, right, bilateral };
const char* body_side_name(body_side s);

struct clinical_fact {
    fact_kind kind;
    size_t begin = 0, end = 0;  // byte span in the text
    std::string text;           // the span itself
    // number, dose: the value as written; dose: its unit symbol ("mg", "mL", "mmHg", ...)
    // and the value converted to the unit's base (mg, mL, degrees C) for cross-unit checks.
    double value = 0;
    std::string unit;
    std::string dimension;  // "mass", "volume", "temperature", ... or the unit itself
    double base_value = 0;
    // date: 0 where the text does not say
    int year = 0, month = 0, day = 0;
    // drug, negation: the lexicon's canonical name; laterality: the body site ("knee"),
    // empty when the side is named without one
    std::string concept_name;
    body_side side = body_side::left;
    bool negated = false;  // negation: the finding is denied or absent
    // Ambiguous mentions ("one", a side without a site) count as support for other facts
    // but are never flagged themselves.
    bool weak = false;
};

struct fact_lexicons {
    term_lexicon drugs, findings;
};

// data/lexicon/ of this source tree.
std::string fact_lexicon_dir_default();
// Loads <dir>/drugs.txt and <dir>/findings.txt.
fact_lexicons fact_lexicons_load(const std::string& dir);

// All facts in text, in order of position. Numbers inside dates and doses are reported
// once, as the date or dose; list markers ("1." at a line start) are not numbers. Spoken
// numbers ("five hundred", "ninety eight point six", "one twenty") count as numbers. In a
// dialogue, a finding asked about in a question takes its polarity from the answer
// ("Any fever?" / "No." is a denied fever).
std::vector<clinical_fact> clinical_facts_extract(std::string_view text, const fact_lexicons& lex);

}  // namespace clinote
