#include "notes/summary_schema.h"

#include "core/error.h"
#include "core/json_int.h"
#include "notes/json_schema_validate.h"

namespace clinote {

// schemas/clinical_summary.schema.json, compiled in at build time (src/CMakeLists.txt) so the
// binary needs no file at run time and there is one copy of the schema.
static const char* const schema_text =
#include "clinical_summary_schema.inc"
    ;

const nlohmann::ordered_json& clinical_summary_schema() {
    static const nlohmann::ordered_json schema = nlohmann::ordered_json::parse(schema_text);
    return schema;
}

namespace {

std::optional<std::string> opt_string(const nlohmann::json& v) {
    return v.is_null() ? std::nullopt : std::optional<std::string>(v.get<std::string>());
}

nlohmann::ordered_json or_null(const std::optional<std::string>& s) {
    return s ? nlohmann::ordered_json(*s) : nlohmann::ordered_json();
}

std::vector<summary_measurement> measurements_from_json(const nlohmann::json& a) {
    std::vector<summary_measurement> out;
    for (const auto& m : a) {
        summary_measurement r;
        r.name = m["name"].get<std::string>();
        if (m["value"].is_number()) r.number = m["value"].get<double>();
        else if (m["value"].is_string()) r.text = m["value"].get<std::string>();
        r.unit = opt_string(m["unit"]);
        out.push_back(std::move(r));
    }
    return out;
}

nlohmann::ordered_json measurements_to_json(const std::vector<summary_measurement>& ms) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const summary_measurement& m : ms) {
        nlohmann::ordered_json value = m.number ? nlohmann::ordered_json(*m.number) : or_null(m.text);
        a.push_back({{"name", m.name}, {"value", value}, {"unit", or_null(m.unit)}});
    }
    return a;
}

}  // namespace

clinical_summary summary_from_json(const nlohmann::json& j, const std::string& where) {
    const std::vector<schema_error> errors = json_schema_validate(clinical_summary_schema(), j);
    if (!errors.empty()) fail(where + errors[0].path, errors[0].message);
    clinical_summary s;
    const nlohmann::json& patient = j["patient"];
    if (!patient["age"].is_null()) s.age = json_int<int>(patient["age"], "patient.age");
    s.sex = opt_string(patient["sex"]);
    const nlohmann::json& enc = j["encounter"];
    s.encounter_date = opt_string(enc["date"]);
    s.encounter_type = opt_string(enc["type"]);
    s.encounter_reason = opt_string(enc["reason"]);
    for (const auto& p : j["problems"])
        s.problems.push_back({p["text"].get<std::string>(), opt_string(p["icd10"]), p["status"].get<std::string>()});
    for (const auto& m : j["medications"]) {
        summary_medication med;
        med.name = m["name"].get<std::string>();
        if (!m["dose"].is_null()) {
            summary_dose d;
            if (!m["dose"]["value"].is_null()) d.value = m["dose"]["value"].get<double>();
            d.unit = opt_string(m["dose"]["unit"]);
            med.dose = d;
        }
        med.route = opt_string(m["route"]);
        med.frequency = opt_string(m["frequency"]);
        med.status = m["status"].get<std::string>();
        s.medications.push_back(std::move(med));
    }
    for (const auto& a : j["allergies"])
        s.allergies.push_back({a["substance"].get<std::string>(), opt_string(a["reaction"]), opt_string(a["severity"])});
    s.vitals = measurements_from_json(j["vitals"]);
    s.labs = measurements_from_json(j["labs"]);
    s.assessment = opt_string(j["assessment"]);
    for (const auto& p : j["plan"]) s.plan.push_back(p.get<std::string>());
    s.follow_up = opt_string(j["follow_up"]);
    return s;
}

nlohmann::ordered_json summary_to_json(const clinical_summary& s) {
    nlohmann::ordered_json j;
    j["patient"] = {{"age", s.age ? nlohmann::ordered_json(*s.age) : nlohmann::ordered_json()}, {"sex", or_null(s.sex)}};
    j["encounter"] = {{"date", or_null(s.encounter_date)}, {"type", or_null(s.encounter_type)}, {"reason", or_null(s.encounter_reason)}};
    j["problems"] = nlohmann::ordered_json::array();
    for (const summary_problem& p : s.problems)
        j["problems"].push_back({{"text", p.text}, {"icd10", or_null(p.icd10)}, {"status", p.status}});
    j["medications"] = nlohmann::ordered_json::array();
    for (const summary_medication& m : s.medications) {
        nlohmann::ordered_json dose;
        if (m.dose)
            dose = {{"value", m.dose->value ? nlohmann::ordered_json(*m.dose->value) : nlohmann::ordered_json()},
                    {"unit", or_null(m.dose->unit)}};
        j["medications"].push_back({{"name", m.name}, {"dose", dose}, {"route", or_null(m.route)},
                                    {"frequency", or_null(m.frequency)}, {"status", m.status}});
    }
    j["allergies"] = nlohmann::ordered_json::array();
    for (const summary_allergy& a : s.allergies)
        j["allergies"].push_back({{"substance", a.substance}, {"reaction", or_null(a.reaction)}, {"severity", or_null(a.severity)}});
    j["vitals"] = measurements_to_json(s.vitals);
    j["labs"] = measurements_to_json(s.labs);
    j["assessment"] = or_null(s.assessment);
    j["plan"] = s.plan;
    j["follow_up"] = or_null(s.follow_up);
    return j;
}

}  // namespace clinote
