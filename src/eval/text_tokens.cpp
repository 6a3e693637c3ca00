#include "eval/text_tokens.h"

#include <algorithm>

namespace clinote {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

size_t utf8_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    if ((lead & 0xF8) == 0xF0) return 4;
    return 1;
}

// Digits, then ",ddd" groups (exactly three digits each), then ".d+".
size_t number_end(std::string_view s, size_t i, std::string& norm) {
    while (i < s.size() && is_digit(s[i])) norm += s[i++];
    while (i + 3 < s.size() && s[i] == ',' && is_digit(s[i + 1]) && is_digit(s[i + 2]) && is_digit(s[i + 3]) &&
           (i + 4 >= s.size() || !is_digit(s[i + 4]))) {
        norm.append(s.substr(i + 1, 3));
        i += 4;
    }
    if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
        norm += '.';
        i++;
        while (i < s.size() && is_digit(s[i])) norm += s[i++];
    }
    return i;
}

}  // namespace

std::vector<text_token> text_tokenize(std::string_view s) {
    std::vector<text_token> out;
    bool space_before = true;
    size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            space_before = true;
            i++;
            continue;
        }
        text_token t{token_kind::symbol, i, i, "", !space_before};
        if (is_digit(c)) {
            t.kind = token_kind::number;
            i = number_end(s, i, t.norm);
        } else if (is_alpha(c)) {
            t.kind = token_kind::word;
            while (i < s.size() && (is_alpha(s[i]) || is_digit(s[i]))) t.norm += lower(s[i++]);
        } else {
            const size_t n = std::min(utf8_length(static_cast<unsigned char>(c)), s.size() - i);
            t.norm = std::string(s.substr(i, n));
            i += n;
        }
        t.end = i;
        out.push_back(std::move(t));
        space_before = false;
    }
    return out;
}

bool token_ends_sentence(const text_token& t) {
    return t.kind == token_kind::symbol &&
           (t.norm == "." || t.norm == "!" || t.norm == "?" || t.norm == ";" || t.norm == "\n");
}

}  // namespace clinote
