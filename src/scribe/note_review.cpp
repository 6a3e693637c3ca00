#include "scribe/note_review.h"

#include <algorithm>

#include "eval/factual_check.h"
#include "eval/note_defects.h"
#include "notes/transcript.h"

namespace clinote {

namespace {

// 1-based line of a byte offset, and the line itself.
size_t line_of(std::string_view text, size_t offset) {
    return size_t(std::count(text.begin(), text.begin() + std::min(offset, text.size()), '\n')) + 1;
}

std::string line_at(std::string_view text, size_t offset) {
    offset = std::min(offset, text.size());
    const size_t newline = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
    const size_t from = newline == std::string_view::npos ? 0 : newline + 1;
    const size_t to = std::min(text.find('\n', from), text.size());
    return std::string(text.substr(from, to - from));
}

bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// Where each heading starts a line of the note (npos where it does not).
std::vector<size_t> heading_positions(std::string_view note, const std::vector<std::string>& headings) {
    std::vector<size_t> at;
    for (const std::string& h : headings) {
        size_t pos = std::string_view::npos;
        for (size_t p = note.find(h); p != std::string_view::npos; p = note.find(h, p + 1))
            if (p == 0 || note[p - 1] == '\n') {
                pos = p;
                break;
            }
        at.push_back(pos);
    }
    return at;
}

void sections_check(std::string_view note, const note_template& t, std::vector<review_flag>& flags) {
    const std::vector<std::string> headings = template_headings(t);
    const std::vector<size_t> at = heading_positions(note, headings);
    for (size_t i = 0; i < headings.size(); i++) {
        if (at[i] == std::string_view::npos) {
            flags.push_back({"missing_section", 0, 0, headings[i], "the note has no " + headings[i] + " section"});
            continue;
        }
        const size_t body = at[i] + headings[i].size();
        size_t next = note.size();
        for (size_t p : at)
            if (p != std::string_view::npos && p > at[i]) next = std::min(next, p);
        if (blank(note.substr(body, next - body)))
            flags.push_back({"empty_section", at[i], body, headings[i], "nothing is written under " + headings[i]});
    }
}

std::string instructions_of(const note_request& r) {
    std::string out;
    for (const auto& m : note_messages(r, transcript_parse(r.transcript)))
        if (m["role"] == "system") out += m["content"].get<std::string>();
    return out;
}

}  // namespace

note_review note_review_make(const note_request& r, std::string_view note, const fact_lexicons& lex) {
    note_review v;
    const factual_report f = factual_check(r.transcript, note, std::nullopt, lex);
    v.facts_checked = f.note_facts;
    for (const fact_issue& i : f.unsupported) v.flags.push_back({fact_kind_name(i.kind), i.begin, i.end, i.text, i.reason});
    for (const fact_support& s : f.supported)
        v.support.push_back({s.begin, s.end, line_of(r.transcript, s.source_begin), line_at(r.transcript, s.source_begin)});
    if (!r.json) {
        // A JSON note is decoded under its schema: it cannot loop without end, echo prose or
        // leave out a field.
        if (auto run = note_repeated_run(note))
            v.flags.push_back({"loop", 0, 0, *run, "\"" + *run + "\" occurs 3 or more times: the note repeats itself"});
        if (auto run = note_echoed_run(note, instructions_of(r)))
            v.flags.push_back({"echo", 0, 0, *run, "\"" + *run + "\" is copied from the template's instructions"});
        if (r.section.empty()) sections_check(note, r.tmpl, v.flags);
    }
    std::stable_sort(v.flags.begin(), v.flags.end(), [](const review_flag& a, const review_flag& b) { return a.begin < b.begin; });
    return v;
}

nlohmann::json note_review_json(const note_review& v, std::string_view note) {
    nlohmann::json flags = nlohmann::json::array(), support = nlohmann::json::array();
    for (const review_flag& f : v.flags)
        flags.push_back({{"kind", f.kind}, {"begin", f.begin}, {"end", f.end}, {"text", f.text}, {"reason", f.reason},
                         {"note_line", line_of(note, f.begin)}});
    for (const review_support& s : v.support)
        support.push_back({{"begin", s.begin}, {"end", s.end}, {"text", std::string(note.substr(s.begin, s.end - s.begin))},
                           {"line", s.line}, {"transcript", s.line_text}});
    return {{"flags", flags}, {"support", support}, {"facts_checked", v.facts_checked}};
}

std::string note_review_text(const note_review& v, std::string_view note) {
    std::string out = "review: " + std::to_string(v.flags.size()) + (v.flags.size() == 1 ? " flag" : " flags") + " (" +
                      std::to_string(v.facts_checked) + " facts checked, " + std::to_string(v.support.size()) +
                      " supported by a transcript line)\n";
    for (const review_flag& f : v.flags) {
        out += "  " + f.kind;
        if (f.end > f.begin) out += " \"" + f.text + "\" (note line " + std::to_string(line_of(note, f.begin)) + ")";
        out += ": " + f.reason + "\n";
    }
    return out;
}

}  // namespace clinote
