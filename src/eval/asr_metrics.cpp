#include "eval/asr_metrics.h"

#include <algorithm>
#include <map>

#include "eval/text_tokens.h"
#include "tokenizer/unicode.h"

namespace clinote {

namespace {

// Removes every span that starts with one of `open` and ends at the first of `close`
// (at least min_inner bytes between), as the normalizer's two regexes do.
std::string drop_spans(std::string_view s, std::string_view open, std::string_view close, size_t min_inner) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        if (open.find(s[i]) != std::string_view::npos) {
            const size_t end = s.find_first_of(close, i + 1);
            if (end != std::string_view::npos && end - i - 1 >= min_inner) {
                i = end + 1;
                continue;
            }
        }
        out += s[i++];
    }
    return out;
}

}  // namespace

std::string asr_normalize(std::string_view text) {
    std::string lower(text);
    for (char& c : lower)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    // "[...]" / "<...>": any span, even empty; "(...)": one character at least, lazily.
    const std::string no_brackets = drop_spans(lower, "<[", ">]", 0);
    const std::string s = drop_spans(no_brackets, "(", ")", 1);
    std::string out;
    bool space = false;
    for (size_t i = 0; i < s.size();) {
        const size_t start = i;
        const uint32_t cp = utf8_next(s, i);
        if (unicode_classes(cp) & (unicode_letter | unicode_number)) {
            if (space && !out.empty()) out += ' ';
            space = false;
            out.append(s, start, i - start);
        } else {
            space = true;
        }
    }
    return out;
}

std::vector<std::string> asr_words(std::string_view normalized) {
    std::vector<std::string> words;
    size_t i = 0;
    while (i < normalized.size()) {
        const size_t b = normalized.find_first_not_of(' ', i);
        if (b == std::string_view::npos) break;
        const size_t e = std::min(normalized.find(' ', b), normalized.size());
        words.emplace_back(normalized.substr(b, e - b));
        i = e;
    }
    return words;
}

asr_word_errors asr_align(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis) {
    asr_word_errors e;
    size_t prefix = 0;
    while (prefix < reference.size() && prefix < hypothesis.size() && reference[prefix] == hypothesis[prefix]) ++prefix;
    size_t suffix = 0;
    while (suffix < reference.size() - prefix && suffix < hypothesis.size() - prefix &&
           reference[reference.size() - 1 - suffix] == hypothesis[hypothesis.size() - 1 - suffix])
        ++suffix;
    e.hits = int64_t(prefix + suffix);
    const std::string* r = reference.data() + prefix;
    const std::string* h = hypothesis.data() + prefix;
    const size_t n = reference.size() - prefix - suffix, m = hypothesis.size() - prefix - suffix;

    // d[i][j]: distance between r[0..i) and h[0..j).
    std::vector<int32_t> d((n + 1) * (m + 1));
    auto at = [&](size_t i, size_t j) -> int32_t& { return d[i * (m + 1) + j]; };
    for (size_t i = 0; i <= n; ++i) at(i, 0) = int32_t(i);
    for (size_t j = 0; j <= m; ++j) at(0, j) = int32_t(j);
    for (size_t i = 1; i <= n; ++i)
        for (size_t j = 1; j <= m; ++j)
            at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (r[i - 1] != h[j - 1])});

    // Hyyrö's recovery as rapidfuzz runs it: its bit vectors VP/VN are the vertical deltas
    // d[i][j] - d[i-1][j] = +1 / -1.
    size_t i = n, j = m;
    while (i > 0 && j > 0) {
        if (at(i, j) - at(i - 1, j) == 1) {
            ++e.deletions;
            --i;
            continue;
        }
        --j;
        if (j > 0 && at(i, j) - at(i - 1, j) == -1) {
            ++e.insertions;
        } else {
            --i;
            if (r[i] != h[j]) ++e.substitutions;
            else ++e.hits;
        }
    }
    e.deletions += int64_t(i);
    e.insertions += int64_t(j);
    return e;
}

void asr_add(asr_word_errors& total, const asr_word_errors& e) {
    total.hits += e.hits;
    total.substitutions += e.substitutions;
    total.deletions += e.deletions;
    total.insertions += e.insertions;
}

double asr_wer(const asr_word_errors& e) {
    if (e.errors() == 0) return 0.0;
    return double(e.errors()) / double(std::max<int64_t>(e.reference_words(), 1));
}

asr_term_recall asr_terms(std::string_view reference, std::string_view hypothesis, const fact_lexicons& lex) {
    // Per concept: mentions in the text, lexicon by lexicon (drugs, then findings).
    auto mentions = [&](std::string_view text) {
        std::map<std::pair<int, size_t>, int64_t> count;
        const std::vector<text_token> tokens = text_tokenize(asr_normalize(text));
        int which = 0;
        for (const term_lexicon* l : {&lex.drugs, &lex.findings}) {
            for (const term_match& m : term_lexicon_find(*l, tokens)) ++count[{which, m.concept_index}];
            ++which;
        }
        return count;
    };
    const auto ref = mentions(reference), hyp = mentions(hypothesis);
    asr_term_recall out;
    for (const auto& [concept_id, n] : ref) {
        const auto it = hyp.find(concept_id);
        const int64_t found = std::min(n, it == hyp.end() ? int64_t(0) : it->second);
        out.total += n;
        out.found += found;
        const term_lexicon& l = concept_id.first == 0 ? lex.drugs : lex.findings;
        for (int64_t k = found; k < n; ++k) out.missed.push_back(l.concepts[concept_id.second]);
    }
    return out;
}

}  // namespace clinote
