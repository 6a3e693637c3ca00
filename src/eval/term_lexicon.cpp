#include "eval/term_lexicon.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/file.h"
#include "core/utf8.h"

namespace clinote {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::vector<std::string> name_words(std::string_view name) {
    std::vector<std::string> words;
    for (const text_token& t : text_tokenize(name))
        if (t.kind != token_kind::symbol) words.push_back(term_word_fold(t.norm));
    return words;
}

bool is_hyphen(const text_token& t) { return t.kind == token_kind::symbol && t.norm == "-"; }

}  // namespace

std::string term_word_fold(std::string_view word) {
    std::string w(word);
    for (char& c : w)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool plural = w.size() > 3 && w.back() == 's' && w[w.size() - 2] != 's' && w[w.size() - 2] != 'u' &&
                        w[w.size() - 2] != 'i';
    if (plural) w.pop_back();
    return w;
}

term_lexicon term_lexicon_parse(std::string_view text, const std::string& where) {
    term_lexicon lex;
    size_t line_no = 0;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        const std::string_view line = trim(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        line_no++;
        if (line.empty() || line.front() == '#') continue;
        const std::string at = where + ":" + std::to_string(line_no);
        const size_t bar = line.find('|');
        const std::string_view canonical = trim(line.substr(0, bar));
        if (canonical.empty()) fail(at, "empty name before '|'");
        const size_t concept_index = lex.concepts.size();
        lex.concepts.emplace_back(canonical);
        std::vector<std::string_view> names{canonical};
        if (bar != std::string_view::npos) {
            std::string_view rest = line.substr(bar + 1);
            while (true) {
                const size_t comma = rest.find(',');
                const std::string_view name = trim(rest.substr(0, comma));
                if (name.empty()) fail(at, "empty synonym");
                names.push_back(name);
                if (comma == std::string_view::npos) break;
                rest.remove_prefix(comma + 1);
            }
        }
        for (std::string_view name : names) {
            std::vector<std::string> words = name_words(name);
            if (words.empty()) fail(at, "name \"" + std::string(name) + "\" has no letters or digits");
            lex.entries.push_back({std::move(words), concept_index});
        }
    }
    std::stable_sort(lex.entries.begin(), lex.entries.end(),
                     [](const auto& a, const auto& b) { return a.words.size() > b.words.size(); });
    for (size_t i = 0; i < lex.entries.size(); i++) lex.by_first_word[lex.entries[i].words[0]].push_back(i);
    return lex;
}

term_lexicon term_lexicon_load(const std::string& path) {
    return term_lexicon_parse(file_read_text(path), path);
}

std::vector<term_match> term_lexicon_find(const term_lexicon& lex, const std::vector<text_token>& tokens) {
    // The word and number tokens, and whether each follows the previous one directly
    // (nothing but spaces or a single hyphen between them).
    std::vector<size_t> at;
    std::vector<std::string> folded;
    std::vector<bool> follows;
    for (size_t i = 0; i < tokens.size(); i++) {
        if (tokens[i].kind == token_kind::symbol) continue;
        const bool direct = !at.empty() && (at.back() + 1 == i || (at.back() + 2 == i && is_hyphen(tokens[i - 1])));
        at.push_back(i);
        folded.push_back(term_word_fold(tokens[i].norm));
        follows.push_back(direct);
    }
    std::vector<term_match> matches;
    for (size_t k = 0; k < at.size();) {
        size_t matched = 0;
        if (const auto it = lex.by_first_word.find(folded[k]); it != lex.by_first_word.end()) {
            for (size_t e : it->second) {
                const auto& words = lex.entries[e].words;
                if (k + words.size() > at.size()) continue;
                bool ok = true;
                for (size_t w = 1; ok && w < words.size(); w++) ok = follows[k + w] && folded[k + w] == words[w];
                if (!ok) continue;
                matches.push_back({at[k], at[k + words.size() - 1], lex.entries[e].concept_index});
                matched = words.size();
                break;
            }
        }
        k += matched ? matched : 1;
    }
    return matches;
}

}  // namespace clinote
