#include "eval/rouge.h"

#include <map>
#include <unordered_map>

#include "core/error.h"
#include "eval/porter_stemmer.h"

namespace clinote {

namespace {

bool is_token_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Interned tokens: LCS tables and n-gram counts compare ints instead of strings.
using token_ids = std::vector<int32_t>;

struct token_interner {
    std::unordered_map<std::string, int32_t> ids;

    token_ids intern(const std::vector<std::string>& tokens) {
        token_ids out;
        out.reserve(tokens.size());
        for (const std::string& t : tokens)
            out.push_back(ids.emplace(t, static_cast<int32_t>(ids.size())).first->second);
        return out;
    }
};

double fmeasure(double precision, double recall) {
    return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

rouge_prf make_prf(double precision, double recall) { return {precision, recall, fmeasure(precision, recall)}; }

rouge_prf score_ngrams(const token_ids& ref, const token_ids& hyp, size_t n) {
    auto count = [n](const token_ids& tokens) {
        std::map<token_ids, int64_t> counts;
        for (size_t i = 0; i + n <= tokens.size(); i++) counts[token_ids(tokens.begin() + i, tokens.begin() + i + n)]++;
        return counts;
    };
    const auto ref_counts = count(ref), hyp_counts = count(hyp);
    int64_t overlap = 0;
    for (const auto& [gram, c] : ref_counts)
        if (auto it = hyp_counts.find(gram); it != hyp_counts.end()) overlap += std::min(c, it->second);
    const int64_t ref_total = ref.size() >= n ? static_cast<int64_t>(ref.size() - n + 1) : 0;
    const int64_t hyp_total = hyp.size() >= n ? static_cast<int64_t>(hyp.size() - n + 1) : 0;
    return make_prf(static_cast<double>(overlap) / static_cast<double>(std::max<int64_t>(hyp_total, 1)),
                    static_cast<double>(overlap) / static_cast<double>(std::max<int64_t>(ref_total, 1)));
}

struct lcs_table {
    size_t cols;
    std::vector<int32_t> cells;  // (rows + 1) x (cols + 1)
    int32_t at(size_t i, size_t j) const { return cells[i * (cols + 1) + j]; }
};

// The LCS table is (reference tokens + 1) x (candidate tokens + 1) ints: two 12,000-token
// texts fill the limit (576 MB). rouge-score itself would run for hours on such a pair.
constexpr size_t lcs_cells_max = size_t(1) << 27;

lcs_table lcs_table_build(const token_ids& ref, const token_ids& can) {
    if ((ref.size() + 1) > lcs_cells_max / (can.size() + 1))
        fail("ROUGE-L", "texts of " + std::to_string(ref.size()) + " and " + std::to_string(can.size()) +
                            " tokens are beyond what is scored (their LCS table would have more than 2^27 cells; "
                            "a note is a few thousand tokens)");
    lcs_table t{can.size(), std::vector<int32_t>((ref.size() + 1) * (can.size() + 1), 0)};
    const size_t w = can.size() + 1;
    for (size_t i = 1; i <= ref.size(); i++)
        for (size_t j = 1; j <= can.size(); j++)
            t.cells[i * w + j] = ref[i - 1] == can[j - 1] ? t.cells[(i - 1) * w + j - 1] + 1
                                                          : std::max(t.cells[(i - 1) * w + j], t.cells[i * w + j - 1]);
    return t;
}

rouge_prf score_lcs(const token_ids& ref, const token_ids& hyp) {
    if (ref.empty() || hyp.empty()) return {};
    const int32_t lcs = lcs_table_build(ref, hyp).at(ref.size(), hyp.size());
    return make_prf(static_cast<double>(lcs) / static_cast<double>(hyp.size()),
                    static_cast<double>(lcs) / static_cast<double>(ref.size()));
}

// Marks the reference positions of one LCS, read back the way rouge-score's
// _backtrack_norec does (on a tie it moves up in the reference), since which LCS is
// chosen changes the union in ROUGE-Lsum.
void lcs_mark(const token_ids& ref, const token_ids& can, std::vector<bool>& in_union) {
    const lcs_table t = lcs_table_build(ref, can);
    size_t i = ref.size(), j = can.size();
    while (i > 0 && j > 0) {
        if (ref[i - 1] == can[j - 1]) {
            in_union[i - 1] = true;
            i--;
            j--;
        } else if (t.at(i, j - 1) > t.at(i - 1, j)) {
            j--;
        } else {
            i--;
        }
    }
}

std::vector<token_ids> sentence_tokens(std::string_view text, bool use_stemmer, token_interner& interner) {
    std::vector<token_ids> sentences;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        if (end > start) sentences.push_back(interner.intern(rouge_tokenize(text.substr(start, end - start), use_stemmer)));
        start = end + 1;
    }
    return sentences;
}

rouge_prf score_summary_lcs(const std::vector<token_ids>& ref_sents, const std::vector<token_ids>& can_sents) {
    size_t m = 0, n = 0;
    std::unordered_map<int32_t, int64_t> ref_counts, can_counts;
    for (const token_ids& s : ref_sents) {
        m += s.size();
        for (int32_t t : s) ref_counts[t]++;
    }
    for (const token_ids& s : can_sents) {
        n += s.size();
        for (int32_t t : s) can_counts[t]++;
    }
    if (m == 0 || n == 0) return {};
    int64_t hits = 0;
    for (const token_ids& r : ref_sents) {
        std::vector<bool> in_union(r.size(), false);
        for (const token_ids& c : can_sents) lcs_mark(r, c, in_union);
        // ROUGE-1.5.5 counts each token at most as often as it occurs on both sides.
        for (size_t i = 0; i < r.size(); i++) {
            if (!in_union[i]) continue;
            int64_t& cc = can_counts[r[i]];
            int64_t& rc = ref_counts[r[i]];
            if (cc > 0 && rc > 0) {
                hits++;
                cc--;
                rc--;
            }
        }
    }
    return make_prf(static_cast<double>(hits) / static_cast<double>(n), static_cast<double>(hits) / static_cast<double>(m));
}

}  // namespace

std::vector<std::string> rouge_tokenize(std::string_view text, bool use_stemmer) {
    std::vector<std::string> tokens;
    std::string current;
    auto flush = [&] {
        if (current.empty()) return;
        // rouge-score stems only tokens longer than 3 characters.
        tokens.push_back(use_stemmer && current.size() > 3 ? porter_stem(current) : current);
        current.clear();
    };
    for (size_t i = 0; i < text.size(); i++) {
        const char c = text[i];
        if (c >= 'A' && c <= 'Z') {
            current += static_cast<char>(c - 'A' + 'a');
        } else if (is_token_char(c)) {
            current += c;
        } else if (text.substr(i, 2) == "\xC4\xB0") {
            // U+0130 lowercases to "i" + U+0307 (combining dot, a separator).
            current += 'i';
            flush();
            i += 1;
        } else if (text.substr(i, 3) == "\xE2\x84\xAA") {
            // U+212A KELVIN SIGN lowercases to ASCII "k".
            current += 'k';
            i += 2;
        } else {
            flush();
        }
    }
    flush();
    return tokens;
}

rouge_scores rouge_score(std::string_view reference, std::string_view hypothesis, bool use_stemmer) {
    token_interner interner;
    const token_ids ref = interner.intern(rouge_tokenize(reference, use_stemmer));
    const token_ids hyp = interner.intern(rouge_tokenize(hypothesis, use_stemmer));
    rouge_scores s;
    s.rouge1 = score_ngrams(ref, hyp, 1);
    s.rouge2 = score_ngrams(ref, hyp, 2);
    s.rougeL = score_lcs(ref, hyp);
    s.rougeLsum = score_summary_lcs(sentence_tokens(reference, use_stemmer, interner),
                                    sentence_tokens(hypothesis, use_stemmer, interner));
    return s;
}

rouge_scores rouge_mean(const std::vector<rouge_scores>& scores) {
    rouge_scores mean;
    if (scores.empty()) return mean;
    auto add = [](rouge_prf& into, const rouge_prf& x) {
        into.precision += x.precision;
        into.recall += x.recall;
        into.fmeasure += x.fmeasure;
    };
    for (const rouge_scores& s : scores) {
        add(mean.rouge1, s.rouge1);
        add(mean.rouge2, s.rouge2);
        add(mean.rougeL, s.rougeL);
        add(mean.rougeLsum, s.rougeLsum);
    }
    const double n = static_cast<double>(scores.size());
    for (rouge_prf* p : {&mean.rouge1, &mean.rouge2, &mean.rougeL, &mean.rougeLsum}) {
        p->precision /= n;
        p->recall /= n;
        p->fmeasure /= n;
    }
    return mean;
}

}  // namespace clinote
