#include "eval/porter_stemmer.h"

#include <algorithm>
#include <array>
#include <vector>

namespace clinote {

namespace {

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

bool ends_with(std::string_view w, std::string_view suffix) {
    return w.size() >= suffix.size() && w.substr(w.size() - suffix.size()) == suffix;
}

std::string_view drop_suffix(std::string_view w, size_t n) { return w.substr(0, w.size() - n); }

// 'y' is a consonant at the start of a word or after a vowel, a vowel after a consonant.
std::vector<bool> consonant_flags(std::string_view w) {
    std::vector<bool> flags(w.size());
    for (size_t i = 0; i < w.size(); i++) {
        if (is_vowel(w[i])) flags[i] = false;
        else if (w[i] == 'y') flags[i] = i == 0 ? true : !flags[i - 1];
        else flags[i] = true;
    }
    return flags;
}

bool is_consonant(std::string_view w, size_t i) { return consonant_flags(w.substr(0, i + 1))[i]; }

// m in the paper's [C](VC){m}[V]: the number of vowel-to-consonant transitions.
int measure(std::string_view stem) {
    const std::vector<bool> flags = consonant_flags(stem);
    int m = 0;
    for (size_t i = 0; i + 1 < flags.size(); i++)
        if (!flags[i] && flags[i + 1]) m++;
    return m;
}

bool contains_vowel(std::string_view stem) {
    const std::vector<bool> flags = consonant_flags(stem);
    return std::find(flags.begin(), flags.end(), false) != flags.end();
}

bool ends_double_consonant(std::string_view w) {
    return w.size() >= 2 && w[w.size() - 1] == w[w.size() - 2] && is_consonant(w, w.size() - 1);
}

// *o: ends consonant-vowel-consonant, the last not w, x or y; NLTK also accepts a
// two-letter vowel-consonant word.
bool ends_cvc(std::string_view w) {
    const size_t n = w.size();
    if (n >= 3 && is_consonant(w, n - 3) && !is_consonant(w, n - 2) && is_consonant(w, n - 1) &&
        w[n - 1] != 'w' && w[n - 1] != 'x' && w[n - 1] != 'y')
        return true;
    return n == 2 && !is_consonant(w, 0) && is_consonant(w, 1);
}

enum class rule_condition {
    always,
    measure_positive,     // m(stem) > 0
    measure_above_one,    // m(stem) > 1
    ion_after_s_or_t,     // m(stem) > 1 and stem ends in s or t
    logi_stem_with_l,     // m(word minus "ogi") > 0: the 'l' stays with the stem
    ll_word_minus_one,    // m(word minus its last letter) > 1
    double_not_lsz,       // the doubled letter is not l, s or z
    measure_one_and_cvc,  // m(stem) == 1 and *o
};

// suffix "*d" stands for "ends in a double consonant"; its replacement is that letter.
struct suffix_rule {
    std::string_view suffix;
    std::string_view replacement;
    rule_condition condition;
};

constexpr std::string_view double_consonant = "*d";

bool condition_holds(rule_condition c, std::string_view word, std::string_view stem) {
    switch (c) {
        case rule_condition::always: return true;
        case rule_condition::measure_positive: return measure(stem) > 0;
        case rule_condition::measure_above_one: return measure(stem) > 1;
        case rule_condition::ion_after_s_or_t:
            return measure(stem) > 1 && (stem.back() == 's' || stem.back() == 't');
        case rule_condition::logi_stem_with_l: return measure(drop_suffix(word, 3)) > 0;
        case rule_condition::ll_word_minus_one: return measure(drop_suffix(word, 1)) > 1;
        case rule_condition::double_not_lsz: return word.back() != 'l' && word.back() != 's' && word.back() != 'z';
        case rule_condition::measure_one_and_cvc: return measure(stem) == 1 && ends_cvc(stem);
    }
    return false;
}

// The first rule whose suffix matches decides: if its condition fails, no later rule is tried.
template <size_t N>
std::string apply_rule_list(std::string_view word, const std::array<suffix_rule, N>& rules) {
    for (const suffix_rule& r : rules) {
        if (r.suffix == double_consonant) {
            if (!ends_double_consonant(word)) continue;
            const std::string_view stem = drop_suffix(word, 2);
            if (!condition_holds(r.condition, word, stem)) return std::string(word);
            return std::string(stem) + word.back();
        }
        if (!ends_with(word, r.suffix)) continue;
        const std::string_view stem = drop_suffix(word, r.suffix.size());
        if (!condition_holds(r.condition, word, stem)) return std::string(word);
        return std::string(stem) + std::string(r.replacement);
    }
    return std::string(word);
}

std::string step1a(std::string_view w) {
    // NLTK: 'flies' -> 'fli' but 'dies' -> 'die'.
    if (ends_with(w, "ies") && w.size() == 4) return std::string(drop_suffix(w, 3)) + "ie";
    static constexpr std::array<suffix_rule, 4> rules{{
        {"sses", "ss", rule_condition::always},
        {"ies", "i", rule_condition::always},
        {"ss", "ss", rule_condition::always},
        {"s", "", rule_condition::always},
    }};
    return apply_rule_list(w, rules);
}

std::string step1b(std::string_view w) {
    // NLTK: 'spied' -> 'spi' but 'died' -> 'die'.
    if (ends_with(w, "ied")) return std::string(drop_suffix(w, 3)) + (w.size() == 4 ? "ie" : "i");
    if (ends_with(w, "eed")) {
        const std::string_view stem = drop_suffix(w, 3);
        return measure(stem) > 0 ? std::string(stem) + "ee" : std::string(w);
    }
    std::string_view intermediate;
    bool removed = false;
    for (std::string_view suffix : {std::string_view("ed"), std::string_view("ing")}) {
        if (ends_with(w, suffix)) {
            intermediate = drop_suffix(w, suffix.size());
            if (contains_vowel(intermediate)) {
                removed = true;
                break;
            }
        }
    }
    if (!removed) return std::string(w);
    static constexpr std::array<suffix_rule, 5> rules{{
        {"at", "ate", rule_condition::always},
        {"bl", "ble", rule_condition::always},
        {"iz", "ize", rule_condition::always},
        {double_consonant, "", rule_condition::double_not_lsz},
        {"", "e", rule_condition::measure_one_and_cvc},
    }};
    return apply_rule_list(intermediate, rules);
}

std::string step1c(std::string_view w) {
    // NLTK: y -> i only after a consonant that is not the whole stem ('happy' -> 'happi',
    // 'enjoy' stays, 'spy' -> 'spi').
    if (!ends_with(w, "y")) return std::string(w);
    const std::string_view stem = drop_suffix(w, 1);
    if (stem.size() > 1 && is_consonant(stem, stem.size() - 1)) return std::string(stem) + "i";
    return std::string(w);
}

std::string step2(std::string_view w) {
    // NLTK applies ALLI -> AL first and then runs step 2 again on the result.
    if (ends_with(w, "alli") && measure(drop_suffix(w, 4)) > 0)
        return step2(std::string(drop_suffix(w, 4)) + "al");
    static constexpr std::array<suffix_rule, 22> rules{{
        {"ational", "ate", rule_condition::measure_positive},
        {"tional", "tion", rule_condition::measure_positive},
        {"enci", "ence", rule_condition::measure_positive},
        {"anci", "ance", rule_condition::measure_positive},
        {"izer", "ize", rule_condition::measure_positive},
        {"bli", "ble", rule_condition::measure_positive},
        {"alli", "al", rule_condition::measure_positive},
        {"entli", "ent", rule_condition::measure_positive},
        {"eli", "e", rule_condition::measure_positive},
        {"ousli", "ous", rule_condition::measure_positive},
        {"ization", "ize", rule_condition::measure_positive},
        {"ation", "ate", rule_condition::measure_positive},
        {"ator", "ate", rule_condition::measure_positive},
        {"alism", "al", rule_condition::measure_positive},
        {"iveness", "ive", rule_condition::measure_positive},
        {"fulness", "ful", rule_condition::measure_positive},
        {"ousness", "ous", rule_condition::measure_positive},
        {"aliti", "al", rule_condition::measure_positive},
        {"iviti", "ive", rule_condition::measure_positive},
        {"biliti", "ble", rule_condition::measure_positive},
        {"fulli", "ful", rule_condition::measure_positive},
        {"logi", "log", rule_condition::logi_stem_with_l},
    }};
    return apply_rule_list(w, rules);
}

std::string step3(std::string_view w) {
    static constexpr std::array<suffix_rule, 7> rules{{
        {"icate", "ic", rule_condition::measure_positive},
        {"ative", "", rule_condition::measure_positive},
        {"alize", "al", rule_condition::measure_positive},
        {"iciti", "ic", rule_condition::measure_positive},
        {"ical", "ic", rule_condition::measure_positive},
        {"ful", "", rule_condition::measure_positive},
        {"ness", "", rule_condition::measure_positive},
    }};
    return apply_rule_list(w, rules);
}

std::string step4(std::string_view w) {
    static constexpr std::array<suffix_rule, 19> rules{{
        {"al", "", rule_condition::measure_above_one},
        {"ance", "", rule_condition::measure_above_one},
        {"ence", "", rule_condition::measure_above_one},
        {"er", "", rule_condition::measure_above_one},
        {"ic", "", rule_condition::measure_above_one},
        {"able", "", rule_condition::measure_above_one},
        {"ible", "", rule_condition::measure_above_one},
        {"ant", "", rule_condition::measure_above_one},
        {"ement", "", rule_condition::measure_above_one},
        {"ment", "", rule_condition::measure_above_one},
        {"ent", "", rule_condition::measure_above_one},
        {"ion", "", rule_condition::ion_after_s_or_t},
        {"ou", "", rule_condition::measure_above_one},
        {"ism", "", rule_condition::measure_above_one},
        {"ate", "", rule_condition::measure_above_one},
        {"iti", "", rule_condition::measure_above_one},
        {"ous", "", rule_condition::measure_above_one},
        {"ive", "", rule_condition::measure_above_one},
        {"ize", "", rule_condition::measure_above_one},
    }};
    return apply_rule_list(w, rules);
}

// Unlike the other steps, both E rules are tried (see the comment in NLTK's _step5a).
std::string step5a(std::string_view w) {
    if (!ends_with(w, "e")) return std::string(w);
    const std::string_view stem = drop_suffix(w, 1);
    const int m = measure(stem);
    if (m > 1 || (m == 1 && !ends_cvc(stem))) return std::string(stem);
    return std::string(w);
}

std::string step5b(std::string_view w) {
    static constexpr std::array<suffix_rule, 1> rules{{{"ll", "l", rule_condition::ll_word_minus_one}}};
    return apply_rule_list(w, rules);
}

// NLTK_EXTENSIONS' table of irregular forms, checked before any rule.
std::string_view irregular_form(std::string_view w) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> pool{{
        {"sky", "sky"}, {"skies", "sky"}, {"dying", "die"}, {"lying", "lie"}, {"tying", "tie"},
        {"news", "news"}, {"innings", "inning"}, {"inning", "inning"}, {"outings", "outing"},
        {"outing", "outing"}, {"cannings", "canning"}, {"canning", "canning"}, {"howe", "howe"},
        {"proceed", "proceed"}, {"exceed", "exceed"}, {"succeed", "succeed"},
    }};
    for (const auto& [form, stem] : pool)
        if (form == w) return stem;
    return {};
}

}  // namespace

std::string porter_stem(std::string_view word) {
    std::string w(word);
    for (char& c : w)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (const std::string_view irregular = irregular_form(w); !irregular.empty()) return std::string(irregular);
    // NLTK leaves words of one or two letters alone.
    if (w.size() <= 2) return w;
    w = step1a(w);
    w = step1b(w);
    w = step1c(w);
    w = step2(w);
    w = step3(w);
    w = step4(w);
    w = step5a(w);
    w = step5b(w);
    return w;
}

}  // namespace clinote
