// A small lexer for the factual checks: words, numbers and punctuation with byte offsets,
// so every finding can point back at its span in the original note or transcript.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace clinote {

enum class token_kind {
    word,    // starts with a letter: [A-Za-z][A-Za-z0-9]* ("b12" is one word)
    number,  // digits with an optional decimal part or thousands commas ("1,000", "98.6")
    symbol,  // one punctuation or other character ("/", "%", "°", "?", "\n", any non-ASCII)
};

struct text_token {
    token_kind kind;
    size_t begin, end;  // byte offsets in the text
    std::string norm;   // lowercase word, digits without commas, or the symbol's bytes
    bool glued;         // no space between this token and the previous one ("500mg")
};

// Spaces and tabs separate tokens and are dropped; newlines are kept as symbols because
// they end sentences and dialogue turns.
std::vector<text_token> text_tokenize(std::string_view text);

// True for tokens that end a sentence or a dialogue turn: . ! ? ; and newline.
bool token_ends_sentence(const text_token& t);

}  // namespace clinote
