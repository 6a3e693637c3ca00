// Speech-recognition scores: word error rate after Whisper's basic text normalisation, with
// the substitutions, deletions and insertions of one minimal alignment, and the recall of
// medical terms (drug and finding names of the eval lexicons).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "eval/clinical_facts.h"

namespace clinote {

// openai-whisper's BasicTextNormalizer (remove_diacritics=False, split_letters=False):
// lowercase, drop "[...]" / "<...>" spans and then "(...)" spans, every character that is
// neither a letter, a number nor whitespace becomes a space, spaces collapsed and trimmed.
// Differences: only ASCII letters are lowercased, and no NFKC folding (English text is
// unaffected). Numbers are not spelled out: "400" and "four hundred" differ.
std::string asr_normalize(std::string_view text);

// Words of already normalised text (split on spaces).
std::vector<std::string> asr_words(std::string_view normalized);

struct asr_word_errors {
    int64_t hits = 0, substitutions = 0, deletions = 0, insertions = 0;
    int64_t reference_words() const { return hits + substitutions + deletions; }
    int64_t errors() const { return substitutions + deletions + insertions; }
};

// The counts of one minimal word alignment (Levenshtein). Among alignments of equal cost
// the one chosen is rapidfuzz's (Hyyrö's recovery after common prefix and suffix are
// removed), so the split into S/D/I equals jiwer's, not only the total.
asr_word_errors asr_align(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis);

void asr_add(asr_word_errors& total, const asr_word_errors& e);

// errors / reference words; 0 when both are empty, 1 per inserted word when the reference is.
double asr_wer(const asr_word_errors& e);

struct asr_term_recall {
    int64_t found = 0, total = 0;  // reference term mentions, and those the hypothesis has too
    std::vector<std::string> missed;  // canonical names, one per missed mention
};

// Drug and finding mentions of the reference (lexicon matches, synonyms folded to one
// concept), each counted as found while the hypothesis mentions the concept as often.
asr_term_recall asr_terms(std::string_view reference, std::string_view hypothesis, const fact_lexicons& lex);

}  // namespace clinote
