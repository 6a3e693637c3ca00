#include "notes/fhir_export.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <regex>

#include "core/error.h"
#include "core/random.h"

namespace clinote {

namespace {

using ojson = nlohmann::ordered_json;

const char* const loinc = "http://loinc.org";

struct uuid_source {
    uint64_t state;
    // ids reproducible from the seed, distinct within a bundle
    uint64_t next() { return random_next(state); }
    std::string uuid() {  // RFC 4122 version 4 layout
        const uint64_t hi = (next() & ~0xF000ull) | 0x4000ull;
        const uint64_t lo = (next() & ~(3ull << 62)) | (2ull << 62);
        char buf[40];
        std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", unsigned(hi >> 32), unsigned(hi >> 16 & 0xFFFF),
                      unsigned(hi & 0xFFFF), unsigned(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
        return buf;
    }
};

std::string xhtml_escape(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (ch == '&') out += "&amp;";
        else if (ch == '<') out += "&lt;";
        else if (ch == '>') out += "&gt;";
        else out += ch;
    }
    return out;
}

ojson narrative(const std::vector<std::string>& lines) {
    std::string div = "<div xmlns=\"http://www.w3.org/1999/xhtml\">";
    if (lines.empty()) div += "<p>Not stated.</p>";
    else if (lines.size() == 1) div += "<p>" + xhtml_escape(lines[0]) + "</p>";
    else {
        div += "<ul>";
        for (const std::string& l : lines) div += "<li>" + xhtml_escape(l) + "</li>";
        div += "</ul>";
    }
    return {{"status", "generated"}, {"div", div + "</div>"}};
}

ojson coding(const std::string& system, const std::string& code, const std::string& display = "") {
    ojson c = {{"system", system}, {"code", code}};
    if (!display.empty()) c["display"] = display;
    return c;
}

ojson concept_text(const std::string& text) { return {{"text", text}}; }

std::string format_number(double v) {
    ojson j = v;
    return j.dump();
}

std::string measurement_line(const summary_measurement& m) {
    std::string s = m.name + ": ";
    if (m.number) s += format_number(*m.number);
    else if (m.text) s += *m.text;
    else s += "not stated";
    if (m.unit && (m.number || m.text)) s += " " + *m.unit;
    return s;
}

std::string now_utc() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

struct bundle_builder {
    uuid_source ids;
    ojson entries = ojson::array();
    std::string patient_ref;

    // Adds a resource; returns the reference other resources use for it.
    std::string add(ojson resource) {
        const std::string id = ids.uuid();
        ojson r;
        r["resourceType"] = resource["resourceType"];
        r["id"] = id;
        for (auto it = resource.begin(); it != resource.end(); ++it)
            if (it.key() != "resourceType") r[it.key()] = it.value();
        entries.push_back({{"fullUrl", "urn:uuid:" + id}, {"resource", r}});
        return "urn:uuid:" + id;
    }
};

ojson section(const std::string& title, const std::string& code, const std::string& display,
              const std::vector<std::string>& lines, const std::vector<std::string>& refs) {
    ojson s = {{"title", title}, {"code", {{"coding", ojson::array({coding(loinc, code, display)})}}}, {"text", narrative(lines)}};
    if (!refs.empty()) {
        s["entry"] = ojson::array();
        for (const std::string& r : refs) s["entry"].push_back({{"reference", r}});
    }
    return s;
}

std::vector<std::string> observations(bundle_builder& b, const std::vector<summary_measurement>& ms, const char* category,
                                      const char* category_display, std::vector<std::string>& lines) {
    std::vector<std::string> refs;
    for (const summary_measurement& m : ms) {
        ojson o = {{"resourceType", "Observation"},
                   {"status", "preliminary"},
                   {"category", ojson::array({{{"coding", ojson::array({coding("http://terminology.hl7.org/CodeSystem/observation-category", category, category_display)})}}})},
                   {"code", concept_text(m.name)},
                   {"subject", {{"reference", b.patient_ref}}}};
        if (m.number) {
            o["valueQuantity"] = {{"value", *m.number}};
            if (m.unit) o["valueQuantity"]["unit"] = *m.unit;
        } else if (m.text) {
            o["valueString"] = m.unit ? *m.text + " " + *m.unit : *m.text;
        } else {
            o["dataAbsentReason"] = {{"coding", ojson::array({coding("http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown", "Unknown")})}};
        }
        lines.push_back(measurement_line(m));
        refs.push_back(b.add(std::move(o)));
    }
    return refs;
}

}  // namespace

ojson fhir_bundle_from_summary(const clinical_summary& s, const fhir_export_options& opt) {
    if (opt.bundle_type != "document" && opt.bundle_type != "collection")
        fail("bundle type", "\"" + opt.bundle_type + "\" is not document or collection");
    const std::string timestamp = opt.timestamp.empty() ? now_utc() : opt.timestamp;
    static const std::regex instant(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))");
    if (!std::regex_match(timestamp, instant)) fail("timestamp", "\"" + timestamp + "\" is not a FHIR instant (YYYY-MM-DDThh:mm:ssZ)");

    bundle_builder b{{opt.id_seed}, ojson::array(), ""};
    const std::string bundle_id = b.ids.uuid();
    const std::string composition_id = b.ids.uuid();  // reserved so the Composition comes first

    ojson patient = {{"resourceType", "Patient"}};
    std::vector<std::string> patient_lines;
    if (s.sex) patient["gender"] = *s.sex;
    if (s.age) patient_lines.push_back("Age: " + std::to_string(*s.age) + " years");
    if (s.sex) patient_lines.push_back("Sex: " + *s.sex);
    patient["text"] = narrative(patient_lines);
    b.patient_ref = b.add(std::move(patient));

    std::vector<std::string> visit_lines;
    if (s.encounter_date) visit_lines.push_back("Date: " + *s.encounter_date);
    if (s.encounter_type) visit_lines.push_back("Type: " + *s.encounter_type);
    if (s.encounter_reason) visit_lines.push_back("Reason: " + *s.encounter_reason);

    std::vector<std::string> problem_lines, problem_refs;
    for (const summary_problem& p : s.problems) {
        ojson code = concept_text(p.text);
        if (p.icd10) code["coding"] = ojson::array({coding("http://hl7.org/fhir/sid/icd-10", *p.icd10)});
        ojson c = {{"resourceType", "Condition"}};
        if (p.status != "unknown")
            c["clinicalStatus"] = {{"coding", ojson::array({coding("http://terminology.hl7.org/CodeSystem/condition-clinical", p.status)})}};
        c["category"] = ojson::array({{{"coding", ojson::array({coding("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item")})}}});
        c["code"] = code;
        c["subject"] = {{"reference", b.patient_ref}};
        problem_lines.push_back(p.text + (p.icd10 ? " (ICD-10 " + *p.icd10 + ")" : "") + ", " + p.status);
        problem_refs.push_back(b.add(std::move(c)));
    }

    std::vector<std::string> med_lines, med_refs;
    for (const summary_medication& m : s.medications) {
        ojson parts = ojson::object();
        std::string line = m.name;
        if (m.dose && (m.dose->value || m.dose->unit)) {
            ojson q = ojson::object();
            if (m.dose->value) q["value"] = *m.dose->value;
            if (m.dose->unit) q["unit"] = *m.dose->unit;
            parts["doseAndRate"] = ojson::array({{{"doseQuantity", q}}});
            line += " " + (m.dose->value ? format_number(*m.dose->value) : std::string()) +
                    (m.dose->value && m.dose->unit ? " " : "") + m.dose->unit.value_or("");
        }
        if (m.route) {
            parts["route"] = concept_text(*m.route);
            line += ", " + *m.route;
        }
        if (m.frequency) {
            parts["timing"] = {{"code", concept_text(*m.frequency)}};
            line += ", " + *m.frequency;
        }
        ojson dosage = ojson::object();
        if (!parts.empty()) {
            dosage["text"] = line;
            for (auto it = parts.begin(); it != parts.end(); ++it) dosage[it.key()] = it.value();
        }
        ojson ms = {{"resourceType", "MedicationStatement"},
                    {"status", m.status},
                    {"medicationCodeableConcept", concept_text(m.name)},
                    {"subject", {{"reference", b.patient_ref}}}};
        if (!dosage.empty()) ms["dosage"] = ojson::array({dosage});
        med_lines.push_back(line + " (" + m.status + ")");
        med_refs.push_back(b.add(std::move(ms)));
    }

    std::vector<std::string> allergy_lines, allergy_refs;
    for (const summary_allergy& a : s.allergies) {
        ojson ai = {{"resourceType", "AllergyIntolerance"},
                    {"clinicalStatus", {{"coding", ojson::array({coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active")})}}},
                    {"code", concept_text(a.substance)},
                    {"patient", {{"reference", b.patient_ref}}}};
        std::string line = a.substance;
        if (a.reaction) {
            ojson r = {{"manifestation", ojson::array({concept_text(*a.reaction)})}};
            if (a.severity) r["severity"] = *a.severity;
            ai["reaction"] = ojson::array({r});
            line += ": " + *a.reaction;
        } else if (a.severity) {
            // A FHIR reaction needs a manifestation; a severity stated without one stays a note.
            ai["note"] = ojson::array({{{"text", "Severity: " + *a.severity}}});
        }
        if (a.severity) line += " (" + *a.severity + ")";
        allergy_lines.push_back(line);
        allergy_refs.push_back(b.add(std::move(ai)));
    }

    std::vector<std::string> vital_lines, lab_lines;
    const std::vector<std::string> vital_refs = observations(b, s.vitals, "vital-signs", "Vital Signs", vital_lines);
    const std::vector<std::string> lab_refs = observations(b, s.labs, "laboratory", "Laboratory", lab_lines);

    std::vector<std::string> plan_lines = s.plan;
    if (s.follow_up) plan_lines.push_back("Follow-up: " + *s.follow_up);
    std::vector<std::string> assessment_lines;
    if (s.assessment) assessment_lines.push_back(*s.assessment);

    ojson composition = {
        {"resourceType", "Composition"},
        {"id", composition_id},
        {"status", opt.attester.empty() ? "preliminary" : "final"},
        {"type", {{"coding", ojson::array({coding(loinc, "11506-3", "Progress note")})}, {"text", "Clinical summary"}}},
        {"subject", {{"reference", b.patient_ref}}},
        {"date", timestamp},
        {"author", ojson::array({{{"display", opt.author}}})},
        {"title", "Clinical summary"},
        {"section", ojson::array({
            section("Reason for visit", "29299-5", "Reason for visit Narrative", visit_lines, {}),
            section("Problems", "11450-4", "Problem list - Reported", problem_lines, problem_refs),
            section("Medications", "10160-0", "History of Medication use Narrative", med_lines, med_refs),
            section("Allergies", "48765-2", "Allergies and adverse reactions Document", allergy_lines, allergy_refs),
            section("Vital signs", "8716-3", "Vital signs", vital_lines, vital_refs),
            section("Results", "30954-2", "Relevant diagnostic tests/laboratory data Narrative", lab_lines, lab_refs),
            section("Assessment", "51848-0", "Evaluation note", assessment_lines, {}),
            section("Plan", "18776-5", "Plan of care note", plan_lines, {}),
        })}};

    if (!opt.attester.empty()) {
        ojson attester = {{"mode", "legal"}};
        if (!opt.attested_at.empty()) attester["time"] = opt.attested_at;
        attester["party"] = {{"display", opt.attester}};
        composition["attester"] = ojson::array({attester});
    }

    ojson bundle = {{"resourceType", "Bundle"}, {"id", bundle_id}};
    if (opt.bundle_type == "document")
        bundle["identifier"] = {{"system", "urn:ietf:rfc:3986"}, {"value", "urn:uuid:" + bundle_id}};
    bundle["type"] = opt.bundle_type;
    bundle["timestamp"] = timestamp;
    bundle["entry"] = ojson::array({{{"fullUrl", "urn:uuid:" + composition_id}, {"resource", composition}}});
    for (auto& e : b.entries) bundle["entry"].push_back(std::move(e));
    return bundle;
}

}  // namespace clinote
