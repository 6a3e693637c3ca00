#include "notes/note_in_template.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <sstream>

namespace clinote {

namespace {

// Labels that start a plan line in a combined assessment and plan.
bool is_plan_line(const std::string& line) {
    static const char* const labels[] = {"additional testing:", "medical treatment:", "specialist referrals:",
                                         "patient education and counseling:", "patient agreements:",
                                         "patient education:", "follow-up:", "follow up:"};
    // Skip a bullet ("•" is three bytes of UTF-8, "-", "*") and spaces.
    size_t i = 0;
    while (i < line.size() && (static_cast<unsigned char>(line[i]) >= 0x80 || (line[i] != 0 && std::strchr(" \t-*", line[i])))) i++;
    std::string rest = line.substr(i);
    std::transform(rest.begin(), rest.end(), rest.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    for (const char* l : labels)
        if (rest.rfind(l, 0) == 0) return true;
    return false;
}

bool is_bullet(const std::string& line) {
    const size_t i = line.find_first_not_of(" \t");
    return i != std::string::npos && (line.compare(i, 3, "\u2022") == 0 || line[i] == '-' || line[i] == '*');
}

// A combined assessment and plan → (assessment, plan). A problem's title (a line that is not
// a bullet and follows a blank line) is repeated in the plan when the problem has plan lines;
// a plan line that is a paragraph of its own belongs to no problem.
std::pair<std::string, std::string> assessment_plan_split(const std::string& text) {
    std::istringstream in(text);
    std::string line, assessment, plan, title;
    bool title_in_plan = false, after_blank = true;
    while (std::getline(in, line)) {
        const bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
        if (is_plan_line(line)) {
            if (after_blank) {
                title.clear();  // a paragraph of its own ("Patient Agreements: ..."): no problem's line
                if (!plan.empty()) plan += "\n";
            } else if (!title.empty() && !title_in_plan) {
                plan += (plan.empty() ? "" : "\n\n") + title;
                title_in_plan = true;
            }
            plan += (plan.empty() ? "" : "\n") + line;
        } else {
            if (!blank && after_blank && !is_bullet(line)) {
                title = line;
                title_in_plan = false;
            }
            assessment += line + "\n";
        }
        after_blank = blank;
    }
    while (!assessment.empty() && std::isspace(static_cast<unsigned char>(assessment.back()))) assessment.pop_back();
    // Blank lines left where plan lines were taken out.
    std::string squeezed;
    for (char c : assessment)
        if (!(c == '\n' && squeezed.size() >= 2 && squeezed.ends_with("\n\n"))) squeezed += c;
    return {squeezed, plan};
}

int section_for_key(const note_template& t, const std::string& key) {
    for (size_t i = 0; i < t.sections.size(); i++)
        if (std::find(t.sections[i].covers.begin(), t.sections[i].covers.end(), key) != t.sections[i].covers.end())
            return int(i);
    return -1;
}

bool same_heading(const std::string& header, const std::string& title) {
    std::string h = header;
    while (!h.empty() && (h.back() == ':' || h.back() == ' ')) h.pop_back();
    if (h.size() != title.size()) return false;
    for (size_t i = 0; i < h.size(); i++)
        if (std::toupper(static_cast<unsigned char>(h[i])) != std::toupper(static_cast<unsigned char>(title[i])))
            return false;
    return true;
}

void append_part(std::string& body, const std::string& header, const std::string& text, const std::string& title) {
    if (text.empty()) return;
    if (!body.empty()) body += "\n\n";
    if (!header.empty() && !same_heading(header, title)) body += header + "\n";
    body += text;
}

}  // namespace

std::string note_in_template(const std::vector<note_section>& sections, const note_template& t) {
    std::vector<std::string> bodies(t.sections.size());
    std::string lead;  // text before the note's first header
    const int plan = section_for_key(t, "plan");
    for (const note_section& s : sections) {
        const int k = s.key.empty() ? -1 : section_for_key(t, s.key);
        if (k < 0) {
            lead += (lead.empty() ? "" : "\n\n") + (s.header.empty() ? "" : s.header + "\n") + s.text;
            continue;
        }
        if (s.key == "assessment_and_plan" && plan >= 0 && plan != k) {
            const auto [assessment, plan_text] = assessment_plan_split(s.text);
            append_part(bodies[size_t(k)], "", assessment, t.sections[size_t(k)].title);
            append_part(bodies[size_t(plan)], "", plan_text, t.sections[size_t(plan)].title);
            continue;
        }
        append_part(bodies[size_t(k)], s.header, s.text, t.sections[size_t(k)].title);
    }
    std::string out = lead;
    for (size_t i = 0; i < t.sections.size(); i++) {
        if (bodies[i].empty()) continue;
        if (!out.empty()) out += "\n\n";
        out += t.sections[i].title + ":\n" + bodies[i];
    }
    return out;
}

}  // namespace clinote
