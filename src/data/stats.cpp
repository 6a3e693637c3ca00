#include "data/stats.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace clinote {

namespace {

size_t count_words(const std::string& s) {
    size_t n = 0;
    bool in_word = false;
    for (char c : s) {
        const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
        if (!space && !in_word) n++;
        in_word = !space;
    }
    return n;
}

}  // namespace

dataset_stats stats_compute(const std::vector<encounter>& encounters) {
    dataset_stats s;
    std::set<std::string> groups;
    for (const auto& e : encounters) {
        s.encounters++;
        groups.insert(e.group.empty() ? e.id : e.group);
        s.by_source[e.source]++;
        if (encounter_is_section_level(e)) s.section_level++;
        else s.full_notes++;
        for (const auto& sec : e.sections) s.by_section[sec.key.empty() ? "(unmapped) " + sec.header : sec.key]++;
        size_t words = 0;
        for (const auto& t : e.turns) {
            s.turns++;
            s.speakers[t.speaker]++;
            words += count_words(t.text);
        }
        const size_t ref = count_words(encounter_reference(e));
        s.transcript_words += words;
        s.reference_words += ref;
        s.max_transcript_words = std::max(s.max_transcript_words, words);
        s.max_reference_words = std::max(s.max_reference_words, ref);
    }
    s.groups = groups.size();
    return s;
}

nlohmann::json stats_to_json(const dataset_stats& s) {
    return {{"encounters", s.encounters},
            {"groups", s.groups},
            {"full_notes", s.full_notes},
            {"section_level", s.section_level},
            {"turns", s.turns},
            {"transcript_words", s.transcript_words},
            {"reference_words", s.reference_words},
            {"max_transcript_words", s.max_transcript_words},
            {"max_reference_words", s.max_reference_words},
            {"by_source", s.by_source},
            {"by_section", s.by_section},
            {"speakers", s.speakers}};
}

std::string stats_to_text(const dataset_stats& s) {
    auto avg = [&](size_t total) { return s.encounters ? std::to_string(total / s.encounters) : std::string("0"); };
    std::string out;
    out += "encounters: " + std::to_string(s.encounters) + " in " + std::to_string(s.groups) + " conversation groups (" +
           std::to_string(s.full_notes) + " full notes, " + std::to_string(s.section_level) + " section-level)\n";
    out += "turns: " + std::to_string(s.turns) + "\n";
    out += "transcript words: mean " + avg(s.transcript_words) + ", max " + std::to_string(s.max_transcript_words) + "\n";
    out += "reference words: mean " + avg(s.reference_words) + ", max " + std::to_string(s.max_reference_words) + "\n";
    auto table = [&](const char* title, const std::map<std::string, size_t>& m) {
        out += std::string(title) + ":\n";
        for (const auto& [k, v] : m) out += "  " + k + ": " + std::to_string(v) + "\n";
    };
    table("sources", s.by_source);
    table("sections", s.by_section);
    table("speakers", s.speakers);
    return out;
}

}  // namespace clinote
