#include "notes/section_map.h"

#include <cctype>
#include <utility>

namespace clinote {

namespace {

std::string header_normalize(std::string_view h) {
    size_t b = 0, e = h.size();
    while (b < e && std::isspace(static_cast<unsigned char>(h[b]))) b++;
    while (e > b && std::isspace(static_cast<unsigned char>(h[e - 1]))) e--;
    if (e > b && h[e - 1] == ':') e--;
    while (e > b && std::isspace(static_cast<unsigned char>(h[e - 1]))) e--;
    std::string out;
    for (size_t i = b; i < e; i++) out += char(std::toupper(static_cast<unsigned char>(h[i])));
    return out;
}

// Dataset header (normalised) -> canonical key. MTS-Dialog's 20 headers come first, then
// ACI-Bench's; tests check that every header found in the shared data is listed here.
const std::vector<std::pair<std::string_view, std::string_view>>& header_table() {
    static const std::vector<std::pair<std::string_view, std::string_view>> table = {
        // MTS-Dialog
        {"CC", "chief_complaint"},
        {"GENHX", "history_of_present_illness"},
        {"ROS", "review_of_systems"},
        {"PASTMEDICALHX", "past_medical_history"},
        {"PASTSURGICAL", "past_surgical_history"},
        {"FAM/SOCHX", "family_social_history"},
        {"GYNHX", "gynecologic_history"},
        {"OTHER_HISTORY", "other_history"},
        {"MEDICATIONS", "medications"},
        {"ALLERGY", "allergies"},
        {"IMMUNIZATIONS", "immunizations"},
        {"EXAM", "physical_exam"},
        {"LABS", "labs"},
        {"IMAGING", "imaging"},
        {"PROCEDURES", "procedures"},
        {"EDCOURSE", "hospital_course"},
        {"ASSESSMENT", "assessment"},
        {"DIAGNOSIS", "diagnosis"},
        {"PLAN", "plan"},
        {"DISPOSITION", "disposition"},
        // ACI-Bench
        {"CHIEF COMPLAINT", "chief_complaint"},
        {"HPI", "history_of_present_illness"},
        {"HISTORY OF PRESENT ILLNESS", "history_of_present_illness"},
        {"REVIEW OF SYSTEMS", "review_of_systems"},
        {"MEDICAL HISTORY", "past_medical_history"},
        {"PAST HISTORY", "past_medical_history"},
        {"PAST MEDICAL HISTORY", "past_medical_history"},
        {"SURGICAL HISTORY", "past_surgical_history"},
        {"PAST SURGICAL HISTORY", "past_surgical_history"},
        {"FAMILY HISTORY", "family_history"},
        {"SOCIAL HISTORY", "social_history"},
        {"BIRTH HISTORY", "other_history"},
        {"CURRENT MEDICATIONS", "medications"},
        {"ALLERGIES", "allergies"},
        {"VITALS", "vitals"},
        {"VITALS REVIEWED", "vitals"},
        {"PHYSICAL EXAM", "physical_exam"},
        {"PHYSICAL EXAMINATION", "physical_exam"},
        {"RESULTS", "results"},
        {"PROCEDURE", "procedures"},
        {"IMPRESSION", "assessment"},
        {"ASSESSMENT AND PLAN", "assessment_and_plan"},
        {"INSTRUCTIONS", "instructions"},
    };
    return table;
}

}  // namespace

const std::vector<section_info>& section_catalog() {
    static const std::vector<section_info> catalog = {
        {"chief_complaint", "Chief complaint", "the main reason for the visit, in a few words"},
        {"history_of_present_illness", "History of present illness",
         "onset, course, character and context of the presenting problem, as the patient told it"},
        {"review_of_systems", "Review of systems", "symptoms asked about, by body system, reported or denied"},
        {"past_medical_history", "Past medical history", "chronic conditions and earlier illnesses"},
        {"past_surgical_history", "Past surgical history", "earlier operations, with dates when stated"},
        {"family_history", "Family history", "illnesses in relatives"},
        {"social_history", "Social history", "work, living situation, tobacco, alcohol, drugs, activity"},
        {"family_social_history", "Family and social history",
         "illnesses in relatives; work, living situation, tobacco, alcohol, drugs"},
        {"gynecologic_history", "Gynecologic history", "menstrual, obstetric and gynecologic history"},
        {"other_history", "Other history", "any other relevant history not covered elsewhere"},
        {"medications", "Medications", "current medications with dose and frequency when stated"},
        {"allergies", "Allergies", "drug and other allergies and the reaction, or no known allergies"},
        {"immunizations", "Immunizations", "vaccination history"},
        {"vitals", "Vitals", "measured vital signs with units"},
        {"physical_exam", "Physical exam", "examination findings by body system"},
        {"results", "Results", "laboratory, imaging and other test results discussed"},
        {"labs", "Labs", "laboratory results with values and units"},
        {"imaging", "Imaging", "imaging studies and their findings"},
        {"procedures", "Procedures", "procedures performed or planned"},
        {"hospital_course", "Hospital course", "what happened during the emergency or hospital stay"},
        {"assessment", "Assessment", "the clinician's impression and diagnoses"},
        {"diagnosis", "Diagnosis", "the diagnoses made"},
        {"assessment_and_plan", "Assessment and plan",
         "each problem with its assessment and the plan for it"},
        {"plan", "Plan", "tests, treatments, prescriptions, referrals and follow-up"},
        {"instructions", "Instructions", "what the patient was told to do and when to return"},
        {"disposition", "Disposition", "where the patient goes after the visit and in what condition"},
    };
    return catalog;
}

const section_info* section_find(std::string_view key) {
    for (const auto& s : section_catalog())
        if (s.key == key) return &s;
    return nullptr;
}

std::string section_key_for_header(std::string_view header) {
    const std::string h = header_normalize(header);
    for (const auto& [name, key] : header_table())
        if (h == name) return std::string(key);
    return {};
}

std::vector<note_section> note_split_sections(std::string_view note) {
    std::vector<note_section> sections;
    note_section cur;
    bool have = false;
    auto flush = [&] {
        while (!cur.text.empty() && (cur.text.back() == '\n' || cur.text.back() == ' ' || cur.text.back() == '\r'))
            cur.text.pop_back();
        size_t lead = 0;
        while (lead < cur.text.size() && (cur.text[lead] == '\n' || cur.text[lead] == '\r')) lead++;
        cur.text.erase(0, lead);
        if (have || !cur.text.empty()) sections.push_back(cur);
        cur = {};
    };
    size_t i = 0;
    while (i < note.size()) {
        size_t end = note.find('\n', i);
        if (end == std::string_view::npos) end = note.size();
        const std::string_view line = note.substr(i, end - i);
        std::string key = line.size() <= 60 ? section_key_for_header(line) : std::string();
        if (!key.empty()) {
            flush();
            have = true;
            cur.header = header_normalize(line);
            cur.key = std::move(key);
        } else {
            cur.text.append(line);
            cur.text += '\n';
        }
        i = end + 1;
    }
    flush();
    return sections;
}

}  // namespace clinote
