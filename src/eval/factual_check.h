// Factual-error checks for generated notes: facts in the note that the transcript does not
// support (hallucination candidates) and facts of a reference note that the generated note
// leaves out (omissions), each with its character span, plus rates per 100 notes.
// These are heuristics for triage and for comparing models, not proof of an error.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/clinical_facts.h"

namespace clinote {

struct fact_issue {
    fact_kind kind;
    size_t begin, end;   // byte offsets in the note (unsupported) or the reference (omission)
    std::string text;    // the span
    std::string reason;  // e.g. "transcript has 500 mg", "transcript denies chest pain"
};

// A note fact and the source fact that supports it (provenance for a reviewer).
struct fact_support {
    fact_kind kind;
    size_t begin, end;                // in the note
    size_t source_begin, source_end;  // in the transcript
};

struct factual_report {
    std::vector<fact_issue> unsupported;  // in the note, not supported by the transcript
    std::vector<fact_support> supported;  // in the note, with the transcript fact that supports it
    std::vector<fact_issue> omissions;    // in the reference, not in the note (empty without a reference)
    size_t note_facts = 0;                // facts checked in the note
    size_t reference_facts = 0;           // facts checked in the reference
};

// Support rules, per kind: a number is supported by the same value anywhere in the source
// (digits, words, inside a dose or date); a dose by an equal quantity ("500mg" == "500 mg",
// 0.5 g == 500 mg within 2% across units) or by the bare number; a date by a date that
// agrees on every field both state; a drug by the same lexicon concept (brand or generic);
// a side by the same side of the same body site, and is flagged when the source gives that
// site another side; a finding's polarity is flagged when the source states the finding
// only with the opposite polarity ("denies chest pain" against "chest pain"). For
// omissions the note is the source and a reference finding must appear with its polarity.
factual_report factual_check(std::string_view transcript, std::string_view note,
                             std::optional<std::string_view> reference, const fact_lexicons& lex);

struct factual_rates {
    size_t notes = 0;
    std::array<double, fact_kind_count> unsupported_per_100{}, omissions_per_100{};
    double unsupported_total_per_100 = 0, omissions_total_per_100 = 0;
    double notes_with_unsupported_percent = 0;
};

factual_rates factual_rates_compute(const std::vector<factual_report>& reports);

nlohmann::json factual_report_json(const factual_report& r);
nlohmann::json factual_rates_json(const factual_rates& r);

}  // namespace clinote
