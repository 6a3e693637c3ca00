#include "eval/clinical_facts.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/paths.h"

namespace clinote {

const char* fact_kind_name(fact_kind k) {
    switch (k) {
        case fact_kind::number: return "number";
        case fact_kind::dose: return "dose";
        case fact_kind::date: return "date";
        case fact_kind::drug: return "drug";
        case fact_kind::laterality: return "laterality";
        case fact_kind::negation: return "negation";
    }
    return "?";
}

const char* body_side_name(body_side s) {
    switch (s) {
        case body_side::left: return "left";
        case body_side::right: return "right";
        case body_side::bilateral: return "bilateral";
    }
    return "?";
}

std::string fact_lexicon_dir_default() { return app_dir() + "/data/lexicon"; }

fact_lexicons fact_lexicons_load(const std::string& dir) {
    return {term_lexicon_load(dir + "/drugs.txt"), term_lexicon_load(dir + "/findings.txt")};
}

namespace {

using tokens_t = std::vector<text_token>;

bool is_word(const tokens_t& t, size_t i, std::string_view w) {
    return i < t.size() && t[i].kind == token_kind::word && t[i].norm == w;
}
bool is_symbol(const tokens_t& t, size_t i, std::string_view s) {
    return i < t.size() && t[i].kind == token_kind::symbol && t[i].norm == s;
}
bool is_apostrophe(const tokens_t& t, size_t i) { return is_symbol(t, i, "'") || is_symbol(t, i, "\xE2\x80\x99"); }

// ---- units ---------------------------------------------------------------------------

struct unit_def {
    std::vector<std::string_view> spelling;  // token norms, in order
    std::string_view symbol, dimension;
    double factor, offset;  // base value = (value - offset) * factor
    bool glued_only;        // single letters ("98.6F", "2L") count only when written glued
};

const std::vector<unit_def>& unit_table() {
    static const std::vector<unit_def> table = [] {
        std::vector<unit_def> t;
        auto add = [&t](std::string_view symbol, std::string_view dimension, double factor, double offset,
                        std::initializer_list<std::vector<std::string_view>> spellings, bool glued_only = false) {
            for (const auto& s : spellings) t.push_back({s, symbol, dimension, factor, offset, glued_only});
        };
        add("mg", "mass", 1, 0, {{"mg"}, {"mgs"}, {"milligram"}, {"milligrams"}});
        add("mcg", "mass", 1e-3, 0,
            {{"mcg"}, {"mcgs"}, {"ug"}, {"microgram"}, {"micrograms"}, {"\xC2\xB5", "g"}, {"\xCE\xBC", "g"}});
        add("g", "mass", 1e3, 0, {{"g"}, {"gm"}, {"gms"}, {"gram"}, {"grams"}});
        add("kg", "mass", 1e6, 0, {{"kg"}, {"kgs"}, {"kilo"}, {"kilos"}, {"kilogram"}, {"kilograms"}});
        add("lb", "mass", 453592.37, 0, {{"lb"}, {"lbs"}, {"pound"}, {"pounds"}});
        add("mL", "volume", 1, 0, {{"ml"}, {"mls"}, {"milliliter"}, {"milliliters"}, {"millilitre"}, {"millilitres"},
                                   {"cc"}, {"ccs"}});
        add("L", "volume", 1e3, 0, {{"liter"}, {"liters"}, {"litre"}, {"litres"}});
        add("L", "volume", 1e3, 0, {{"l"}}, true);
        add("units", "units", 1, 0, {{"unit"}, {"units"}, {"iu"}, {"international", "unit"}, {"international", "units"}});
        add("units", "units", 1, 0, {{"u"}}, true);
        add("mEq", "mEq", 1, 0, {{"meq"}, {"milliequivalent"}, {"milliequivalents"}});
        add("mmHg", "pressure", 1, 0, {{"mmhg"}, {"mm", "hg"}, {"millimeters", "of", "mercury"}, {"millimeter", "of", "mercury"}});
        add("bpm", "heart rate", 1, 0, {{"bpm"}, {"beats", "per", "minute"}, {"beats", "a", "minute"}, {"beats", "per", "min"}});
        add("breaths/min", "respiratory rate", 1, 0, {{"breaths", "per", "minute"}, {"breaths", "a", "minute"}});
        add("%", "percent", 1, 0, {{"%"}, {"percent"}, {"per", "cent"}});
        add("°F", "temperature", 5.0 / 9.0, 32,
            {{"\xC2\xB0", "f"}, {"degrees", "fahrenheit"}, {"degree", "fahrenheit"}, {"degrees", "f"}, {"fahrenheit"}});
        add("°F", "temperature", 5.0 / 9.0, 32, {{"f"}}, true);
        add("°C", "temperature", 1, 0,
            {{"\xC2\xB0", "c"}, {"degrees", "celsius"}, {"degree", "celsius"}, {"degrees", "c"}, {"celsius"}, {"centigrade"}});
        add("°C", "temperature", 1, 0, {{"c"}}, true);
        add("degrees", "degrees", 1, 0, {{"degrees"}, {"degree"}, {"\xC2\xB0"}});
        add("mm", "length", 1, 0, {{"mm"}, {"millimeter"}, {"millimeters"}});
        add("cm", "length", 10, 0, {{"cm"}, {"centimeter"}, {"centimeters"}});
        return t;
    }();
    return table;
}

const std::unordered_map<std::string_view, std::string_view>& denominators() {
    static const std::unordered_map<std::string_view, std::string_view> d = {
        {"dl", "dL"}, {"l", "L"}, {"ml", "mL"}, {"kg", "kg"}, {"day", "day"}, {"d", "day"}, {"hr", "h"},
        {"h", "h"}, {"hour", "h"}, {"min", "min"}, {"minute", "min"}, {"dose", "dose"}, {"week", "week"},
        {"wk", "week"}, {"m2", "m2"}};
    return d;
}

struct unit_match {
    const unit_def* def;
    std::string symbol, dimension;
    size_t last;  // last token of the unit
};

std::optional<unit_match> match_unit(const tokens_t& t, size_t j) {
    const unit_def* best = nullptr;
    for (const unit_def& u : unit_table()) {
        if (j + u.spelling.size() > t.size()) continue;
        if (u.glued_only && !t[j].glued) continue;
        bool ok = true;
        for (size_t k = 0; ok && k < u.spelling.size(); k++) ok = t[j + k].norm == u.spelling[k];
        if (ok && (!best || u.spelling.size() > best->spelling.size())) best = &u;
    }
    if (!best) return std::nullopt;
    unit_match m{best, std::string(best->symbol), std::string(best->dimension), j + best->spelling.size() - 1};
    // "mg/dL", "mcg per kg": a per-quantity is its own dimension.
    const size_t k = m.last + 1;
    if (is_symbol(t, k, "/") || is_word(t, k, "per")) {
        if (k + 1 < t.size() && t[k + 1].kind == token_kind::word) {
            if (const auto it = denominators().find(t[k + 1].norm); it != denominators().end()) {
                m.symbol.append("/").append(it->second);
                m.dimension.append("/").append(it->second);
                m.last = k + 1;
            }
        }
    }
    return m;
}

// ---- spoken numbers --------------------------------------------------------------------

const std::unordered_map<std::string_view, int>& small_number_words() {
    static const std::unordered_map<std::string_view, int> m = {
        {"zero", 0},      {"one", 1},        {"two", 2},       {"three", 3},     {"four", 4},
        {"five", 5},      {"six", 6},        {"seven", 7},     {"eight", 8},     {"nine", 9},
        {"ten", 10},      {"eleven", 11},    {"twelve", 12},   {"thirteen", 13}, {"fourteen", 14},
        {"fifteen", 15},  {"sixteen", 16},   {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19}};
    return m;
}

const std::unordered_map<std::string_view, int>& tens_words() {
    static const std::unordered_map<std::string_view, int> m = {
        {"twenty", 20}, {"thirty", 30}, {"forty", 40}, {"fifty", 50}, {"sixty", 60}, {"seventy", 70},
        {"eighty", 80}, {"ninety", 90}};
    return m;
}

const std::unordered_map<std::string_view, int>& ordinal_words() {
    static const std::unordered_map<std::string_view, int> m = {
        {"first", 1},       {"second", 2},      {"third", 3},        {"fourth", 4},      {"fifth", 5},
        {"sixth", 6},       {"seventh", 7},     {"eighth", 8},       {"ninth", 9},       {"tenth", 10},
        {"eleventh", 11},   {"twelfth", 12},    {"thirteenth", 13},  {"fourteenth", 14}, {"fifteenth", 15},
        {"sixteenth", 16},  {"seventeenth", 17}, {"eighteenth", 18}, {"nineteenth", 19}, {"twentieth", 20},
        {"thirtieth", 30}};
    return m;
}

std::optional<int> word_value(const std::unordered_map<std::string_view, int>& table, const tokens_t& t, size_t i) {
    if (i >= t.size() || t[i].kind != token_kind::word) return std::nullopt;
    const auto it = table.find(t[i].norm);
    if (it == table.end()) return std::nullopt;
    return it->second;
}

// Skips one hyphen between number words ("twenty-five").
size_t after_hyphen(const tokens_t& t, size_t i) { return is_symbol(t, i, "-") ? i + 1 : i; }

struct spoken_number {
    double value;
    size_t last;
    bool bare_one;  // just the word "one": a pronoun as often as a number
};

// "five hundred", "two thousand and ten", "twenty-five", "one twenty" (120, as blood
// pressures and weights are read out), "ninety eight point six".
std::optional<spoken_number> parse_spoken_number(const tokens_t& t, size_t i) {
    enum { none, small, tens, scale } last_kind = none;
    double total = 0, group = 0;
    size_t last = i, j = i;
    if (is_word(t, i, "a") && (is_word(t, i + 1, "hundred") || is_word(t, i + 1, "thousand"))) {
        group = 1;
        last_kind = small;
        j = i + 1;
    }
    while (j < t.size()) {
        if (const auto s = word_value(small_number_words(), t, j)) {
            if (last_kind == small || (last_kind == tens && *s >= 10)) break;
            if (last_kind == tens && static_cast<int>(group) % 10 != 0) break;
            group += *s;
            last_kind = small;
        } else if (const auto d = word_value(tens_words(), t, j)) {
            if (last_kind == tens) break;
            if (last_kind == small && group > 0 && group < 20) group = group * 100 + *d;
            else if (last_kind == small) break;
            else group += *d;
            last_kind = tens;
        } else if (is_word(t, j, "hundred") && last_kind != none && last_kind != scale) {
            group *= 100;
            last_kind = scale;
        } else if (is_word(t, j, "thousand") && last_kind != none) {
            total += group * 1000;
            group = 0;
            last_kind = scale;
        } else if (is_word(t, j, "and") && last_kind == scale &&
                   (word_value(small_number_words(), t, j + 1) || word_value(tens_words(), t, j + 1))) {
            j++;
            continue;
        } else {
            break;
        }
        last = j;
        j = after_hyphen(t, j + 1);
        if (j != last + 1 && !word_value(small_number_words(), t, j)) break;  // a hyphen not followed by a number
    }
    if (last_kind == none) return std::nullopt;
    double value = total + group;
    if (is_word(t, last + 1, "point")) {
        double place = 0.1;
        for (size_t k = last + 2; word_value(small_number_words(), t, k).value_or(10) < 10; k++) {
            value += *word_value(small_number_words(), t, k) * place;
            place /= 10;
            last = k;
        }
    }
    return spoken_number{value, last, last == i && t[i].norm == "one"};
}

// ---- dates ---------------------------------------------------------------------------

std::optional<int> month_of(const tokens_t& t, size_t i, bool allow_ambiguous) {
    static const std::unordered_map<std::string_view, int> full = {
        {"january", 1}, {"february", 2}, {"march", 3},     {"april", 4},    {"june", 6},      {"july", 7},
        {"august", 8},  {"september", 9}, {"october", 10}, {"november", 11}, {"december", 12}};
    // "may" is a verb and the abbreviations are ordinary words too often to stand alone.
    static const std::unordered_map<std::string_view, int> ambiguous = {
        {"may", 5}, {"jan", 1}, {"feb", 2}, {"mar", 3}, {"apr", 4}, {"jun", 6}, {"jul", 7},
        {"aug", 8}, {"sep", 9}, {"sept", 9}, {"oct", 10}, {"nov", 11}, {"dec", 12}};
    if (auto v = word_value(full, t, i)) return v;
    if (allow_ambiguous) return word_value(ambiguous, t, i);
    return std::nullopt;
}

bool is_ordinal_suffix(const tokens_t& t, size_t i) {
    return i < t.size() && t[i].kind == token_kind::word && t[i].glued &&
           (t[i].norm == "st" || t[i].norm == "nd" || t[i].norm == "rd" || t[i].norm == "th");
}

std::optional<int> integer_token(const tokens_t& t, size_t i) {
    if (i >= t.size() || t[i].kind != token_kind::number || t[i].norm.find('.') != std::string::npos ||
        t[i].norm.size() > 6)
        return std::nullopt;
    return std::stoi(t[i].norm);
}

struct day_match {
    int day;
    size_t last;
    bool ordinal;
};

// "3", "3rd", "third", "twenty-first".
std::optional<day_match> parse_day(const tokens_t& t, size_t i) {
    if (const auto n = integer_token(t, i); n && *n >= 1 && *n <= 31) {
        if (is_ordinal_suffix(t, i + 1)) return day_match{*n, i + 1, true};
        return day_match{*n, i, false};
    }
    if (const auto o = word_value(ordinal_words(), t, i)) return day_match{*o, i, true};
    if (const auto d = word_value(tens_words(), t, i); d && *d <= 30) {
        const size_t j = after_hyphen(t, i + 1);
        if (const auto o = word_value(ordinal_words(), t, j); o && *o < 10) return day_match{*d + *o, j, true};
    }
    return std::nullopt;
}

std::optional<int> parse_year(const tokens_t& t, size_t i) {
    const auto n = integer_token(t, i);
    if (n && t[i].norm.size() == 4 && *n >= 1900 && *n <= 2100) return n;
    return std::nullopt;
}

struct date_match {
    int year = 0, month = 0, day = 0;
    size_t last;
};

// After a month (and a day) at j: ", 2021" or "of 2021" or " 2021".
size_t take_year(const tokens_t& t, size_t j, date_match& d) {
    size_t k = j + 1;
    if (is_symbol(t, k, ",") || is_word(t, k, "of")) k++;
    if (const auto y = parse_year(t, k)) {
        d.year = *y;
        return k;
    }
    return j;
}

int expand_year(int y, size_t digits) { return digits == 2 ? (y <= 30 ? 2000 + y : 1900 + y) : y; }

std::optional<date_match> parse_date(const tokens_t& t, size_t i) {
    // Numeric: 3/14/2021, 3/14/21 (glued), 2021-03-14.
    if (t[i].kind == token_kind::number && i + 4 < t.size() && t[i + 1].glued && t[i + 2].glued && t[i + 3].glued &&
        t[i + 4].glued) {
        const auto a = integer_token(t, i), b = integer_token(t, i + 2), c = integer_token(t, i + 4);
        if (a && b && c && is_symbol(t, i + 1, "/") && is_symbol(t, i + 3, "/") && *a >= 1 && *a <= 12 && *b >= 1 &&
            *b <= 31 && (t[i + 4].norm.size() == 2 || t[i + 4].norm.size() == 4))
            return date_match{expand_year(*c, t[i + 4].norm.size()), *a, *b, i + 4};
        if (a && b && c && is_symbol(t, i + 1, "-") && is_symbol(t, i + 3, "-") && t[i].norm.size() == 4 && *b >= 1 &&
            *b <= 12 && *c >= 1 && *c <= 31)
            return date_match{*a, *b, *c, i + 4};
    }
    // Month first: "March 3rd, 2021", "March 2021", "March the third", "March".
    if (const auto m = month_of(t, i, true)) {
        date_match d{0, *m, 0, i};
        size_t j = i + 1;
        if (is_word(t, j, "the")) j++;
        if (const auto day = parse_day(t, j)) {
            d.day = day->day;
            d.last = take_year(t, day->last, d);
            return d;
        }
        d.last = take_year(t, i, d);
        if (d.year || month_of(t, i, false)) return d;
        return std::nullopt;
    }
    // Day first: "3rd of March 2021", "the third of March", "3 March".
    if (const auto day = parse_day(t, i)) {
        size_t j = day->last + 1;
        if (is_word(t, j, "of") && day->ordinal) j++;
        if (const auto m = month_of(t, j, true)) {
            date_match d{0, *m, day->day, j};
            d.last = take_year(t, j, d);
            return d;
        }
    }
    return std::nullopt;
}

// ---- negation --------------------------------------------------------------------------

bool is_negation_trigger(const tokens_t& t, size_t i) {
    static const std::unordered_set<std::string_view> words = {
        "no", "not", "denies", "denied", "deny", "denying", "without", "never", "none", "nor", "neither", "negative"};
    if (t[i].kind != token_kind::word) return false;
    if (words.count(t[i].norm)) {
        // "no change", "not only" and friends do not negate what follows.
        static const std::unordered_set<std::string_view> pseudo = {"change", "changes", "only", "further", "increase",
                                                                   "doubt", "problem", "worse", "sure"};
        return !(i + 1 < t.size() && pseudo.count(t[i + 1].norm));
    }
    if (t[i].norm == "t" && i >= 1 && is_apostrophe(t, i - 1)) return true;                   // don't, doesn't, can't
    if ((t[i].norm == "free" || t[i].norm == "absence") && is_word(t, i + 1, "of")) return true;  // free of, absence of
    return false;
}

bool ends_negation_scope(const tokens_t& t, size_t i) {
    static const std::unordered_set<std::string_view> words = {"but", "however", "although", "though", "except",
                                                               "which", "while", "yet", "aside", "apart", "other"};
    if (token_ends_sentence(t[i]) || is_symbol(t, i, ":")) return true;
    return t[i].kind == token_kind::word && words.count(t[i].norm);
}

// negated[i]: token i lies in the scope of a negation ("denies fever, chills or chest
// pain" negates all three up to the end of the sentence or a "but").
std::vector<bool> negation_scopes(const tokens_t& t) {
    constexpr size_t max_scope_words = 30;  // review-of-systems lists run long
    std::vector<bool> negated(t.size(), false);
    for (size_t i = 0; i < t.size(); i++) {
        if (!is_negation_trigger(t, i)) continue;
        size_t words = 0;
        for (size_t j = i + 1; j < t.size() && words < max_scope_words && !ends_negation_scope(t, j); j++) {
            negated[j] = true;
            if (t[j].kind == token_kind::word) words++;
        }
    }
    return negated;
}

// "Fever: negative", "chest pain denied": a denial right after the finding.
bool denied_after(const tokens_t& t, size_t last) {
    for (size_t j = last + 1; j < t.size() && j <= last + 3 && !token_ends_sentence(t[j]); j++)
        if (is_word(t, j, "denied") || is_word(t, j, "negative") || is_word(t, j, "absent")) return true;
    return false;
}

size_t sentence_end(const tokens_t& t, size_t i) {
    while (i < t.size() && !token_ends_sentence(t[i])) i++;
    return i;
}

bool in_question(const tokens_t& t, size_t i) { return is_symbol(t, sentence_end(t, i), "?"); }

// For a finding asked about in a question: +1 if the answer (the next turn's first word
// after any speaker label) is yes, -1 if no, 0 if there is no question or no clear answer.
int answer_polarity(const tokens_t& t, size_t last) {
    if (!in_question(t, last)) return 0;
    size_t j = sentence_end(t, last);
    while (j < t.size() && !is_symbol(t, j, "\n")) j++;
    while (is_symbol(t, j, "\n")) j++;
    // Speaker labels: "Patient:", "[patient]", "Guest_family:".
    if (is_symbol(t, j, "[")) {
        while (j < t.size() && !is_symbol(t, j, "]") && !is_symbol(t, j, "\n")) j++;
        j++;
    } else {
        for (size_t k = j; k < t.size() && k < j + 4 && !is_symbol(t, k, "\n"); k++)
            if (is_symbol(t, k, ":")) {
                j = k + 1;
                break;
            }
    }
    if (j >= t.size() || t[j].kind != token_kind::word) return 0;
    static const std::unordered_set<std::string_view> no = {"no", "nope", "nah", "never", "none", "negative", "not"};
    static const std::unordered_set<std::string_view> yes = {"yes", "yeah", "yep", "yup", "yea", "sure", "sometimes",
                                                             "definitely", "correct", "mhm", "uh", "right"};
    if (no.count(t[j].norm)) return -1;
    if (yes.count(t[j].norm)) return 1;
    return 0;
}

// ---- laterality ------------------------------------------------------------------------

std::optional<body_side> side_of(const tokens_t& t, size_t i) {
    if (is_word(t, i, "left")) return body_side::left;
    if (is_word(t, i, "right")) return body_side::right;
    if (is_word(t, i, "bilateral") || is_word(t, i, "bilaterally")) return body_side::bilateral;
    return std::nullopt;
}

// "right" also means "correct" and "now": "all right", "that's right", "right away".
bool right_means_correct(const tokens_t& t, size_t i) {
    static const std::unordered_set<std::string_view> before = {"all", "s", "is", "was", "re", "alright", "that"};
    static const std::unordered_set<std::string_view> after = {"now", "away", "here", "there", "then", "so", "okay",
                                                               "ok", "yeah", "back", "after", "before", "i", "you"};
    if (!is_word(t, i, "right")) return false;
    if (i > 0 && t[i - 1].kind == token_kind::word && before.count(t[i - 1].norm)) return true;
    if (i + 1 >= t.size() || token_ends_sentence(t[i + 1]) || is_symbol(t, i + 1, ",")) return !is_word(t, i - 1, "the");
    return t[i + 1].kind == token_kind::word && after.count(t[i + 1].norm);
}

bool is_site_filler(std::string_view w) {
    static const std::unordered_set<std::string_view> f = {
        "side", "sided", "of", "the", "upper", "lower", "my", "his", "her", "your", "their", "a", "an", "inner",
        "outer", "medial", "lateral", "anterior", "posterior", "mid", "distal", "proximal", "big", "little", "on",
        "to", "in", "is", "are", "was", "at"};
    return f.count(w) > 0;
}

bool is_site_stopword(std::string_view w) {
    static const std::unordered_set<std::string_view> s = {"and", "or", "now", "away", "here", "there", "then",
                                                           "so", "with", "for", "i", "you", "it", "that", "this"};
    return s.count(w) > 0;
}

// The body site a side word refers to: the next content word ("left lower extremity" ->
// extremity), or for "on the right" / "bilaterally" the content word before it.
std::string site_of(const tokens_t& t, size_t i) {
    const bool postposed = is_word(t, i, "bilaterally") || (i >= 2 && is_word(t, i - 1, "the") &&
                                                           (is_word(t, i - 2, "on") || is_word(t, i - 2, "to")));
    if (!postposed) {
        for (size_t j = i + 1; j < t.size() && j <= i + 5 && !token_ends_sentence(t[j]); j++) {
            if (is_symbol(t, j, "-")) continue;  // "left-sided"
            if (t[j].kind != token_kind::word) break;
            if (is_site_filler(t[j].norm)) continue;
            if (is_site_stopword(t[j].norm)) break;
            return term_word_fold(t[j].norm);
        }
    }
    for (size_t j = i; j-- > 0 && j + 5 >= i;) {
        if (token_ends_sentence(t[j]) || t[j].kind != token_kind::word) break;
        if (is_site_filler(t[j].norm)) continue;
        if (is_site_stopword(t[j].norm)) break;
        return term_word_fold(t[j].norm);
    }
    return {};
}

// ---- extraction ------------------------------------------------------------------------

struct extractor {
    std::string_view text;
    const tokens_t& t;
    std::vector<clinical_fact> facts;
    std::vector<bool> used;

    clinical_fact make(fact_kind kind, size_t first, size_t last) {
        clinical_fact f;
        f.kind = kind;
        f.begin = t[first].begin;
        f.end = t[last].end;
        f.text = std::string(text.substr(f.begin, f.end - f.begin));
        for (size_t k = first; k <= last; k++) used[k] = true;
        return f;
    }

    bool free(size_t first, size_t last) const {
        for (size_t k = first; k <= last; k++)
            if (used[k]) return false;
        return true;
    }

    void dates() {
        for (size_t i = 0; i < t.size(); i++) {
            if (used[i]) continue;
            if (const auto d = parse_date(t, i); d && free(i, d->last)) {
                clinical_fact f = make(fact_kind::date, i, d->last);
                f.year = d->year;
                f.month = d->month;
                f.day = d->day;
                facts.push_back(std::move(f));
                i = d->last;
            }
        }
    }

    // "1. Hypertension", also run into one line as "... stable. 2. Diabetes".
    bool is_list_marker(size_t i) const {
        const bool starts = i == 0 || is_symbol(t, i - 1, "\n") || is_symbol(t, i - 1, ".") || is_symbol(t, i - 1, ":");
        return starts && t[i].norm.size() <= 2 && (is_symbol(t, i + 1, ".") || is_symbol(t, i + 1, ")"));
    }

    void quantity(size_t first, size_t last, double value, bool weak) {
        size_t end = last;
        std::optional<unit_match> u;
        if (is_ordinal_suffix(t, last + 1)) end = last + 1;
        else u = match_unit(t, last + 1);
        if (u && free(last + 1, u->last)) end = u->last;
        else u.reset();
        clinical_fact f = make(u ? fact_kind::dose : fact_kind::number, first, end);
        f.value = value;
        f.weak = weak;
        if (u) {
            f.unit = u->symbol;
            f.dimension = u->dimension;
            f.base_value = (value - u->def->offset) * u->def->factor;
        }
        facts.push_back(std::move(f));
    }

    void numbers() {
        for (size_t i = 0; i < t.size(); i++) {
            if (used[i]) continue;
            if (t[i].kind == token_kind::number) {
                if (is_list_marker(i)) continue;
                quantity(i, i, std::stod(t[i].norm), false);
            } else if (const auto s = parse_spoken_number(t, i); s && free(i, s->last)) {
                quantity(i, s->last, s->value, s->bare_one);
                i = s->last;
            }
        }
    }

    void drugs(const term_lexicon& lex) {
        for (const term_match& m : term_lexicon_find(lex, t)) {
            if (!free(m.first_token, m.last_token)) continue;
            clinical_fact f = make(fact_kind::drug, m.first_token, m.last_token);
            f.concept_name = lex.concepts[m.concept_index];
            facts.push_back(std::move(f));
        }
    }

    void findings(const term_lexicon& lex) {
        const std::vector<bool> negated = negation_scopes(t);
        for (const term_match& m : term_lexicon_find(lex, t)) {
            if (!free(m.first_token, m.last_token)) continue;
            bool is_negated = negated[m.first_token] || denied_after(t, m.last_token);
            if (in_question(t, m.last_token)) {
                const int answer = answer_polarity(t, m.last_token);
                if (answer == 0) continue;  // a question without a clear answer states nothing
                is_negated = answer < 0;
            }
            clinical_fact f = make(fact_kind::negation, m.first_token, m.last_token);
            f.concept_name = lex.concepts[m.concept_index];
            f.negated = is_negated;
            facts.push_back(std::move(f));
        }
    }

    void laterality() {
        for (size_t i = 0; i < t.size(); i++) {
            const auto side = side_of(t, i);
            if (!side || used[i] || right_means_correct(t, i)) continue;
            clinical_fact f = make(fact_kind::laterality, i, i);
            f.side = *side;
            f.concept_name = site_of(t, i);
            f.weak = f.concept_name.empty();
            facts.push_back(std::move(f));
        }
    }
};

}  // namespace

std::vector<clinical_fact> clinical_facts_extract(std::string_view text, const fact_lexicons& lex) {
    const tokens_t tokens = text_tokenize(text);
    extractor ex{text, tokens, {}, std::vector<bool>(tokens.size(), false)};
    ex.dates();
    ex.numbers();
    ex.drugs(lex.drugs);
    ex.findings(lex.findings);
    ex.laterality();
    std::stable_sort(ex.facts.begin(), ex.facts.end(),
                     [](const clinical_fact& a, const clinical_fact& b) { return a.begin < b.begin; });
    return std::move(ex.facts);
}

}  // namespace clinote
