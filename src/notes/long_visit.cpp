#include "notes/long_visit.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/error.h"

namespace clinote {

namespace {

int64_t count_turns(const std::vector<turn>& turns, size_t begin, size_t end, const turns_prompt& prompt,
                    const prompt_token_count& count) {
    return count(prompt(std::vector<turn>(turns.begin() + long(begin), turns.begin() + long(end))));
}

}  // namespace

std::vector<transcript_chunk> transcript_chunks(const std::vector<turn>& turns, const turns_prompt& prompt,
                                                const prompt_token_count& count, const chunk_options& opt) {
    if (turns.empty()) fail("transcript", "empty: there is nothing to write a note from");
    if (opt.budget <= 0) fail("context", "no room for a prompt (the note's token allowance fills the context)");
    std::vector<transcript_chunk> chunks;
    if (const int64_t all = count_turns(turns, 0, turns.size(), prompt, count); all <= opt.budget)
        return {{0, turns.size(), all}};
    size_t done = 0;  // turns [0, done) are in some chunk
    while (done < turns.size()) {
        // Start with the overlap; give it up when it leaves no room for a new turn.
        size_t begin = chunks.empty() ? 0 : done - std::min(done, size_t(std::max<int64_t>(opt.overlap, 0)));
        auto fits = [&](size_t b, size_t e) { return count_turns(turns, b, e, prompt, count) <= opt.budget; };
        while (begin < done && !fits(begin, done + 1)) begin++;
        if (!fits(begin, done + 1)) {
            const turn& t = turns[done];
            fail("transcript", "turn " + std::to_string(done + 1) + " (" + t.speaker + ") alone needs " +
                                   std::to_string(count_turns(turns, done, done + 1, prompt, count)) +
                                   " prompt tokens, more than the " + std::to_string(opt.budget) +
                                   " the context leaves; raise --ctx or lower --max-tokens");
        }
        // The longest run that fits: the prompt grows with every turn, so bisect.
        size_t lo = done + 1, hi = turns.size();
        while (lo < hi) {
            const size_t mid = lo + (hi - lo + 1) / 2;
            if (fits(begin, mid)) lo = mid;
            else hi = mid - 1;
        }
        chunks.push_back({begin, lo, count_turns(turns, begin, lo, prompt, count)});
        done = lo;
    }
    return chunks;
}

namespace {

std::string trim(const std::string& s) {
    const size_t a = s.find_first_not_of(" \t\r");
    if (a == std::string::npos) return "";
    return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

std::string upper(std::string s) {
    for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// A heading line: "PLAN", "Plan:", "## Plan", "**PLAN:**", or "PLAN: text" (the text then
// belongs to the section). Returns the section index and the text after the heading, or -1.
int heading_of(const std::string& line, const note_template& t, std::string& rest) {
    std::string s = trim(line);
    while (!s.empty() && (s[0] == '#' || s[0] == '*')) s.erase(0, 1);
    s = trim(s);
    const std::string u = upper(s);
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < t.sections.size(); i++) {
        const std::string title = upper(t.sections[i].title);
        if (u.compare(0, title.size(), title) != 0 || title.size() <= best_len) continue;
        std::string after = s.substr(title.size());
        while (!after.empty() && (after[0] == '*' || after[0] == ' ')) after.erase(0, 1);
        const bool colon = !after.empty() && after[0] == ':';
        if (colon) after.erase(0, 1);
        while (!after.empty() && (after[0] == '*' || after[0] == ' ')) after.erase(0, 1);
        if (!after.empty() && !colon) continue;  // "Plan to return..." is text, not a heading
        best = int(i);
        best_len = title.size();
        rest = trim(after);
    }
    return best;
}

std::string squash(const std::string& s) {
    std::string out;
    for (char c : trim(s)) {
        if (c == ' ' || c == '\t') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

// Lines in order; a line already present (up to spacing) is skipped; blank lines only
// between kept lines.
struct line_set {
    std::vector<std::string> lines;
    std::set<std::string> seen;
    void add(const std::string& line) {
        const std::string key = squash(line);
        if (key.empty()) {
            if (!lines.empty() && !lines.back().empty()) lines.push_back("");
            return;
        }
        if (seen.insert(key).second) lines.push_back(trim(line));
    }
    std::string text() const {
        std::string out;
        size_t n = lines.size();
        while (n > 0 && lines[n - 1].empty()) n--;
        for (size_t i = 0; i < n; i++) out += (i ? "\n" : "") + lines[i];
        return out;
    }
};

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return lines;
}

}  // namespace

std::string notes_merge(const std::vector<std::string>& notes, const note_template& t) {
    line_set lead;
    std::vector<line_set> sections(t.sections.size());
    std::vector<bool> present(t.sections.size(), false);
    for (const std::string& note : notes) {
        line_set* into = &lead;
        for (const std::string& line : split_lines(note)) {
            std::string rest;
            const int h = heading_of(line, t, rest);
            if (h >= 0) {
                into = &sections[size_t(h)];
                present[size_t(h)] = true;
                if (!rest.empty()) into->add(rest);
                continue;
            }
            into->add(line);
        }
        // A part's last section must not run into the next part's text.
        for (line_set& s : sections)
            if (!s.lines.empty() && !s.lines.back().empty()) s.lines.push_back("");
        if (!lead.lines.empty() && !lead.lines.back().empty()) lead.lines.push_back("");
    }
    std::string out = lead.text();
    for (size_t i = 0; i < t.sections.size(); i++) {
        if (!present[i]) continue;
        if (!out.empty()) out += "\n\n";
        out += t.sections[i].title;
        const std::string body = sections[i].text();
        if (!body.empty()) out += "\n" + body;
    }
    return out;
}

namespace {

void merge_into(nlohmann::ordered_json& into, const nlohmann::ordered_json& part) {
    if (into.is_null()) {
        into = part;
    } else if (into.is_object() && part.is_object()) {
        for (const auto& [key, value] : part.items()) {
            if (!into.contains(key)) into[key] = value;
            else merge_into(into[key], value);
        }
    } else if (into.is_array() && part.is_array()) {
        for (const auto& item : part)
            if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(item);
    }
    // Otherwise a value is already stated: the first part wins.
}

}  // namespace

nlohmann::ordered_json summaries_merge(const std::vector<nlohmann::ordered_json>& parts) {
    nlohmann::ordered_json out;
    for (const auto& p : parts) merge_into(out, p);
    return out;
}

}  // namespace clinote
