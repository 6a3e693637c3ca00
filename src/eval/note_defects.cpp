#include "eval/note_defects.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "eval/text_tokens.h"

namespace clinote {

namespace {

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    for (const text_token& t : text_tokenize(text))
        if (t.kind != token_kind::symbol) out.push_back(t.norm);
    return out;
}

std::string join(const std::vector<std::string>& w, size_t from, size_t n) {
    std::string s;
    for (size_t i = from; i < from + n; i++) s += (i > from ? " " : "") + w[i];
    return s;
}

}  // namespace

std::optional<std::string> note_repeated_run(std::string_view note) {
    constexpr size_t n = 4;
    const std::vector<std::string> w = words(note);
    std::map<std::string, int> count;
    for (size_t i = 0; i + n <= w.size(); i++) {
        std::string run = join(w, i, n);
        if (++count[run] >= 3) return run;
    }
    return std::nullopt;
}

bool note_loops(std::string_view note) { return note_repeated_run(note).has_value(); }

std::optional<std::string> note_echoed_run(std::string_view note, std::string_view instructions) {
    constexpr size_t n = 6;
    const std::vector<std::string> given = words(instructions);
    std::set<std::string> runs;
    for (size_t i = 0; i + n <= given.size(); i++) runs.insert(join(given, i, n));
    const std::vector<std::string> w = words(note);
    for (size_t i = 0; i + n <= w.size(); i++) {
        std::string run = join(w, i, n);
        if (runs.count(run)) return run;
    }
    return std::nullopt;
}

bool note_echoes_instructions(std::string_view note, std::string_view instructions) {
    return note_echoed_run(note, instructions).has_value();
}

}  // namespace clinote
