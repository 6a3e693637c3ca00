// ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum exactly as Google's rouge-score package
// (PyPI rouge-score 0.1.2, rouge_scorer.RougeScorer with its DefaultTokenizer), so
// numbers are comparable with published clinical-note summarisation results.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace clinote {

struct rouge_prf {
    double precision = 0, recall = 0, fmeasure = 0;
};

struct rouge_scores {
    rouge_prf rouge1, rouge2, rougeL, rougeLsum;
};

// rouge-score's tokenizer: lowercase (Python str.lower(), so U+0130 and the Kelvin sign
// U+212A also yield ASCII letters), every run of characters outside [a-z0-9] is a
// separator, and tokens longer than 3 characters are Porter-stemmed when use_stemmer.
// Input must be UTF-8.
std::vector<std::string> rouge_tokenize(std::string_view text, bool use_stemmer);

// Scores hypothesis against reference. rougeLsum treats each '\n'-separated line as a
// sentence (rouge-score's default, split_summaries=False) and uses the union LCS with
// ROUGE-1.5.5's guard against counting a token twice. Throws clinote::error "ROUGE-L: ..." for
// two texts whose LCS table would pass 2^27 cells (about 11,000 tokens each).
rouge_scores rouge_score(std::string_view reference, std::string_view hypothesis, bool use_stemmer = true);

// Mean of each field over a set of scored pairs (what rouge-score's users report as the
// corpus score when they average per-pair F1); all zero for an empty set.
rouge_scores rouge_mean(const std::vector<rouge_scores>& scores);

}  // namespace clinote
