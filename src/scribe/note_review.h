// What a reviewer should look at in a draft before approving it: statements the transcript
// does not support (numbers, doses, dates, drugs, sides, negations: the checks `clinote eval`
// counts, eval/factual_check.h), a note that loops or copies the template's instructions,
// and sections the note leaves empty or out; plus, for every fact the transcript does
// support, the transcript line that supports it (provenance). `clinote note --check` prints
// it after the note; the server returns it with every draft and for edited text.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/clinical_facts.h"
#include "scribe/note_write.h"

namespace clinote {

struct review_flag {
    // A fact kind (number, dose, date, drug, laterality, negation), or loop, echo,
    // empty_section, missing_section.
    std::string kind;
    size_t begin = 0, end = 0;  // bytes of the note the flag is about (0, 0: the whole note)
    std::string text;           // that span, or the repeated / echoed words, or the heading
    std::string reason;         // "transcript has 10 mg", "\"i m allergic to\" occurs 3 or more times"
};

struct review_support {
    size_t begin = 0, end = 0;  // the fact, in the note
    size_t line = 0;            // the transcript line (1-based) that supports it
    std::string line_text;      // that line
};

struct note_review {
    std::vector<review_flag> flags;       // in order of position in the note
    std::vector<review_support> support;  // in order of position in the note
    size_t facts_checked = 0;
};

// Reviews a note written for r (its transcript, template, section and JSON choice).
note_review note_review_make(const note_request& r, std::string_view note, const fact_lexicons& lex);

// {"flags": [{kind, begin, end, text, reason, note_line}], "support": [{begin, end, text,
// line, transcript}], "facts_checked": n}; note_line is the 1-based line of the note.
nlohmann::json note_review_json(const note_review& v, std::string_view note);

// For a terminal: "review: 2 flags (9 facts checked, 7 supported)" and one line per flag.
std::string note_review_text(const note_review& v, std::string_view note);

}  // namespace clinote
