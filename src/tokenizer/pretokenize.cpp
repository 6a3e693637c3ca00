#include "tokenizer/pretokenize.h"

#include <cstdint>

#include "tokenizer/unicode.h"

namespace clinote {
namespace {

struct code_points {
    std::vector<uint32_t> cp;
    std::vector<uint8_t> cls;      // unicode_classes of each
    std::vector<size_t> offset;    // byte offset of each, plus the text's size at the end

    bool letter(size_t i) const { return cls[i] & unicode_letter; }
    bool number(size_t i) const { return cls[i] & unicode_number; }
    bool space(size_t i) const { return cls[i] & unicode_whitespace; }
    bool other(size_t i) const { return cls[i] == 0; }  // [^\s\p{L}\p{N}]
    bool newline(size_t i) const { return cp[i] == '\r' || cp[i] == '\n'; }
};

code_points code_points_of(std::string_view text) {
    code_points t;
    for (size_t i = 0; i < text.size();) {
        t.offset.push_back(i);
        const uint32_t c = utf8_next(text, i);
        t.cp.push_back(c);
        t.cls.push_back(unicode_classes(c));
    }
    t.offset.push_back(text.size());
    return t;
}

// Simple case folding for the contraction letters: ASCII, and U+017F LATIN SMALL LETTER LONG S,
// which Oniguruma's (?i) matches to 's'.
uint32_t fold_case(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c == 0x17F ? 's' : c; }

// 's 't 're 've 'm 'll 'd at i: the length matched, or 0.
size_t match_contraction(const code_points& t, size_t i, size_t end, bool ignore_case) {
    if (t.cp[i] != '\'' || i + 1 >= end) return 0;
    auto at = [&](size_t k) { return ignore_case ? fold_case(t.cp[k]) : t.cp[k]; };
    const uint32_t a = at(i + 1);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (i + 2 >= end) return 0;
    const uint32_t b = at(i + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
}

// \s+(?!\S)|\s+ at i, where t.cp[i] is whitespace: a run followed by a non-space gives its
// last space to what follows.
size_t match_space_run(const code_points& t, size_t i, size_t end) {
    size_t k = i;
    while (k < end && t.space(k)) k++;
    if (k == end || k - i == 1) return k - i;
    return k - i - 1;
}

// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
size_t match_gpt2(const code_points& t, size_t i, size_t end) {
    if (size_t n = match_contraction(t, i, end, false)) return n;
    size_t j = t.cp[i] == ' ' && i + 1 < end ? i + 1 : i;
    if (t.letter(j)) { while (j < end && t.letter(j)) j++; return j - i; }
    if (t.number(j)) { while (j < end && t.number(j)) j++; return j - i; }
    if (t.other(j)) { while (j < end && t.other(j)) j++; return j - i; }
    return match_space_run(t, i, end);
}

// Llama 3 (max_digits 3) and Qwen2 (max_digits 1):
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+
size_t match_llama3(const code_points& t, size_t i, size_t end, size_t max_digits) {
    if (size_t n = match_contraction(t, i, end, true)) return n;
    size_t j = i;
    if (!t.letter(i) && !t.number(i) && !t.newline(i) && i + 1 < end && t.letter(i + 1)) j = i + 1;
    if (t.letter(j)) { while (j < end && t.letter(j)) j++; return j - i; }
    if (t.number(i)) {
        j = i;
        while (j < end && t.number(j) && j - i < max_digits) j++;
        return j - i;
    }
    j = t.cp[i] == ' ' && i + 1 < end && t.other(i + 1) ? i + 1 : i;
    if (t.other(j)) {
        while (j < end && t.other(j)) j++;
        while (j < end && t.newline(j)) j++;
        return j - i;
    }
    size_t k = i, after_newline = 0;
    while (k < end && t.space(k)) {
        if (t.newline(k)) after_newline = k + 1;
        k++;
    }
    if (after_newline) return after_newline - i;
    return match_space_run(t, i, end);
}

void split_range(pretokenizer_kind kind, const code_points& t, std::string_view text, size_t begin,
                 size_t end, std::vector<std::string_view>& words) {
    for (size_t i = begin; i < end;) {
        const size_t n = kind == pretokenizer_kind::llama3 ? match_llama3(t, i, end, 3)
                         : kind == pretokenizer_kind::qwen2 ? match_llama3(t, i, end, 1)
                                                            : match_gpt2(t, i, end);
        words.push_back(text.substr(t.offset[i], t.offset[i + n] - t.offset[i]));
        i += n;
    }
}

}  // namespace

void pretokenize(pretokenizer_kind kind, std::string_view text, std::vector<std::string_view>& words) {
    if (text.empty()) return;
    if (kind == pretokenizer_kind::none) {
        words.push_back(text);
        return;
    }
    const code_points t = code_points_of(text);
    const size_t n = t.cp.size();
    if (kind != pretokenizer_kind::gpt2_digits) {
        split_range(kind, t, text, 0, n, words);
        return;
    }
    // Digits(individual_digits) runs first: each number character stands alone, and the GPT-2
    // regex then sees each stretch between them as a whole text.
    for (size_t i = 0; i < n;) {
        if (t.number(i)) {
            words.push_back(text.substr(t.offset[i], t.offset[i + 1] - t.offset[i]));
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !t.number(j)) j++;
        split_range(pretokenizer_kind::gpt2, t, text, i, j, words);
        i = j;
    }
}

}  // namespace clinote
