#include "eval/factual_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace clinote {

namespace {

constexpr double cross_unit_tolerance = 0.02;  // "154 lb" is "70 kg" after rounding

bool same_value(double a, double b, double rel) {
    return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b)) + 1e-12;
}

std::string format_value(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string describe(const clinical_fact& f) {
    switch (f.kind) {
        case fact_kind::number: return format_value(f.value);
        case fact_kind::dose: return format_value(f.value) + " " + f.unit;
        case fact_kind::date: {
            // ISO order with question marks for what the text leaves out: "2019-06-??".
            auto part = [](int v, const char* format, const char* unknown) {
                char buf[16];
                std::snprintf(buf, sizeof buf, format, v);
                return std::string(v ? buf : unknown);
            };
            return part(f.year, "%04d", "????") + "-" + part(f.month, "%02d", "??") + "-" + part(f.day, "%02d", "??");
        }
        case fact_kind::drug: return f.concept_name;
        case fact_kind::laterality: return std::string(body_side_name(f.side)) + (f.concept_name.empty() ? "" : " " + f.concept_name);
        case fact_kind::negation: return (f.negated ? "no " : "") + f.concept_name;
    }
    return f.text;
}

// The first fact of a source that states the value, for bare-number support.
const clinical_fact* stating_value(const std::vector<clinical_fact>& source, double v) {
    for (const clinical_fact& s : source) {
        if ((s.kind == fact_kind::number || s.kind == fact_kind::dose) && same_value(s.value, v, 1e-9)) return &s;
        if (s.kind == fact_kind::date && (s.year == v || s.month == v || s.day == v)) return &s;
    }
    return nullptr;
}

bool same_quantity(const clinical_fact& a, const clinical_fact& b) {
    if (a.unit == b.unit) return same_value(a.value, b.value, 1e-9);
    if (a.dimension == b.dimension) return same_value(a.base_value, b.base_value, cross_unit_tolerance);
    // "101 degrees" against "101 °F": the scale was left unsaid.
    const bool degrees = (a.unit == "degrees" && b.dimension == "temperature") ||
                         (b.unit == "degrees" && a.dimension == "temperature");
    return degrees && same_value(a.value, b.value, 1e-9);
}

bool dates_agree(const clinical_fact& a, const clinical_fact& b) {
    auto agree = [](int x, int y) { return x == 0 || y == 0 || x == y; };
    return a.month == b.month && agree(a.year, b.year) && agree(a.day, b.day);
}

// What a source says of a fact: the source fact that supports it, or why it is not
// supported; neither for a finding the source never discusses (out of the check's reach).
struct support {
    const clinical_fact* by = nullptr;
    std::optional<std::string> problem;
};

support support_find(const clinical_fact& f, const std::vector<clinical_fact>& source, const char* source_name,
                     bool polarity_required) {
    const auto by = [](const clinical_fact* s) { return support{s, std::nullopt}; };
    const auto no = [](std::string why) { return support{nullptr, std::move(why)}; };
    const std::string src(source_name);
    auto others = [&](fact_kind kind, auto&& related) {
        std::string list;
        for (const clinical_fact& s : source)
            if (s.kind == kind && related(s)) list += (list.empty() ? "" : ", ") + describe(s);
        return list;
    };
    switch (f.kind) {
        case fact_kind::number:
            if (const clinical_fact* s = stating_value(source, f.value)) return by(s);
            return no(src + " never states " + describe(f));
        case fact_kind::dose: {
            for (const clinical_fact& s : source)
                if (s.kind == fact_kind::dose && same_quantity(f, s)) return by(&s);
            const std::string near = others(fact_kind::dose, [&](const clinical_fact& s) { return s.dimension == f.dimension; });
            if (!near.empty()) return no(src + " has " + near);
            // A number with the unit left unsaid ("lisinopril, twenty a day") still supports it.
            if (const clinical_fact* s = stating_value(source, f.value)) return by(s);
            return no(src + " never states " + describe(f));
        }
        case fact_kind::date: {
            for (const clinical_fact& s : source)
                if (s.kind == fact_kind::date && dates_agree(f, s)) return by(&s);
            const std::string near = others(fact_kind::date, [](const clinical_fact&) { return true; });
            return no(src + (near.empty() ? " states no such date" : " has " + near));
        }
        case fact_kind::drug:
            for (const clinical_fact& s : source)
                if (s.kind == fact_kind::drug && s.concept_name == f.concept_name) return by(&s);
            return no(src + " never names " + f.concept_name);
        case fact_kind::laterality: {
            bool site_named = false;
            const clinical_fact* side_named = nullptr;
            for (const clinical_fact& s : source) {
                if (s.kind != fact_kind::laterality) continue;
                const bool covers = s.side == f.side || s.side == body_side::bilateral;
                if (!f.concept_name.empty() && s.concept_name == f.concept_name) {
                    if (covers) return by(&s);
                    site_named = true;
                }
                if (covers && !side_named) side_named = &s;
            }
            // Left and right of the same site together make a bilateral finding.
            if (f.side == body_side::bilateral) {
                const clinical_fact *left = nullptr, *right = nullptr;
                for (const clinical_fact& s : source) {
                    if (s.kind != fact_kind::laterality || s.concept_name != f.concept_name) continue;
                    if (s.side == body_side::left && !left) left = &s;
                    if (s.side == body_side::right && !right) right = &s;
                }
                if (left && right) return by(left);
            }
            if (site_named)
                return no(src + " has " + others(fact_kind::laterality, [&](const clinical_fact& s) {
                              return s.concept_name == f.concept_name;
                          }));
            if (side_named) return by(side_named);
            return no(src + " never says " + body_side_name(f.side));
        }
        case fact_kind::negation: {
            bool opposite = false;
            for (const clinical_fact& s : source) {
                if (s.kind != fact_kind::negation || s.concept_name != f.concept_name) continue;
                if (s.negated == f.negated) return by(&s);
                opposite = true;
            }
            if (opposite) return no("negation flip: " + src + (f.negated ? " affirms " : " denies ") + f.concept_name);
            if (polarity_required) return no(src + " never mentions " + f.concept_name);
            return {};  // findings the transcript never discusses are out of this check's reach
        }
    }
    return {};
}

// Checks every fact against the source: the unsupported ones are returned, the supported
// ones added to *supported when it is given.
std::vector<fact_issue> unsupported_facts(const std::vector<clinical_fact>& facts, const std::vector<clinical_fact>& source,
                                          const char* source_name, bool polarity_required, size_t& checked,
                                          std::vector<fact_support>* supported) {
    std::vector<fact_issue> issues;
    for (const clinical_fact& f : facts) {
        if (f.weak) continue;
        checked++;
        support s = support_find(f, source, source_name, polarity_required);
        if (s.problem) issues.push_back({f.kind, f.begin, f.end, f.text, std::move(*s.problem)});
        else if (s.by && supported) supported->push_back({f.kind, f.begin, f.end, s.by->begin, s.by->end});
    }
    return issues;
}

nlohmann::json issues_json(const std::vector<fact_issue>& issues) {
    nlohmann::json a = nlohmann::json::array();
    for (const fact_issue& i : issues)
        a.push_back({{"kind", fact_kind_name(i.kind)}, {"begin", i.begin}, {"end", i.end}, {"text", i.text}, {"reason", i.reason}});
    return a;
}

}  // namespace

factual_report factual_check(std::string_view transcript, std::string_view note, std::optional<std::string_view> reference,
                             const fact_lexicons& lex) {
    factual_report r;
    const std::vector<clinical_fact> note_facts = clinical_facts_extract(note, lex);
    r.unsupported = unsupported_facts(note_facts, clinical_facts_extract(transcript, lex), "transcript", false, r.note_facts,
                                      &r.supported);
    if (reference)
        r.omissions =
            unsupported_facts(clinical_facts_extract(*reference, lex), note_facts, "note", true, r.reference_facts, nullptr);
    return r;
}

factual_rates factual_rates_compute(const std::vector<factual_report>& reports) {
    factual_rates rates;
    rates.notes = reports.size();
    if (reports.empty()) return rates;
    size_t flagged = 0;
    for (const factual_report& r : reports) {
        for (const fact_issue& i : r.unsupported) rates.unsupported_per_100[static_cast<size_t>(i.kind)] += 1;
        for (const fact_issue& i : r.omissions) rates.omissions_per_100[static_cast<size_t>(i.kind)] += 1;
        rates.unsupported_total_per_100 += static_cast<double>(r.unsupported.size());
        rates.omissions_total_per_100 += static_cast<double>(r.omissions.size());
        flagged += r.unsupported.empty() ? 0 : 1;
    }
    const double per_100 = 100.0 / static_cast<double>(reports.size());
    for (size_t k = 0; k < fact_kind_count; k++) {
        rates.unsupported_per_100[k] *= per_100;
        rates.omissions_per_100[k] *= per_100;
    }
    rates.unsupported_total_per_100 *= per_100;
    rates.omissions_total_per_100 *= per_100;
    rates.notes_with_unsupported_percent = static_cast<double>(flagged) * per_100;
    return rates;
}

nlohmann::json factual_report_json(const factual_report& r) {
    return {{"unsupported", issues_json(r.unsupported)}, {"omissions", issues_json(r.omissions)},
            {"note_facts", r.note_facts}, {"reference_facts", r.reference_facts}};
}

nlohmann::json factual_rates_json(const factual_rates& r) {
    nlohmann::json unsupported, omissions;
    for (size_t k = 0; k < fact_kind_count; k++) {
        const char* name = fact_kind_name(static_cast<fact_kind>(k));
        unsupported[name] = r.unsupported_per_100[k];
        omissions[name] = r.omissions_per_100[k];
    }
    unsupported["total"] = r.unsupported_total_per_100;
    omissions["total"] = r.omissions_total_per_100;
    return {{"notes", r.notes}, {"unsupported_per_100_notes", unsupported}, {"omissions_per_100_notes", omissions},
            {"notes_with_unsupported_percent", r.notes_with_unsupported_percent}};
}

}  // namespace clinote
