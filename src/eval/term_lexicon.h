// Term lexicons (drug names, clinical findings): each line of the file names one concept
// and its synonyms; text is matched on whole words, longest name first.
#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "eval/text_tokens.h"

namespace clinote {

struct term_lexicon {
    struct entry {
        std::vector<std::string> words;  // normalised words of one name ("isosorbide", "mononitrate")
        size_t concept_index;            // into concepts
    };
    std::vector<std::string> concepts;  // the canonical name of each concept (first name on its line)
    std::vector<entry> entries;         // longest names first, so the longest match wins
    std::unordered_map<std::string, std::vector<size_t>> by_first_word;  // word -> entries, longest first
};

// Parses "canonical | synonym, synonym" lines ('#' starts a comment line). Names are split
// into words like text_tokenize does, each word folded by term_word_fold.
// Throws clinote::error "<where>:<line>: ..." on an empty name.
term_lexicon term_lexicon_parse(std::string_view text, const std::string& where);
term_lexicon term_lexicon_load(const std::string& path);

// Lowercase word with a plural 's' dropped ("headaches" -> "headache", but "loss" stays),
// so that a lexicon name matches its plural in text.
std::string term_word_fold(std::string_view word);

struct term_match {
    size_t first_token, last_token;  // inclusive token range in the tokenised text
    size_t concept_index;
};

// All non-overlapping matches, left to right, longest at each position. Only word and
// number tokens take part; a symbol between words (a hyphen, say) is skipped, so
// "solu-medrol" matches the name "solu medrol".
std::vector<term_match> term_lexicon_find(const term_lexicon& lex, const std::vector<text_token>& tokens);

}  // namespace clinote
