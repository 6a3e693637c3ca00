// FHIR R4 export: every bundle passes structural checks written from the R4 specification
// (Bundle bdl-7/9/10/11, required elements and value sets of Composition, Patient, Condition,
// MedicationStatement, Observation, AllergyIntolerance) and matches golden bundles that the
// reference `fhir.resources` package parsed (tools/check_fhir_bundles.py).
// CLINOTE_UPDATE_GOLDEN=1 rewrites the golden bundles instead of comparing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>

#include "core/error.h"
#include "core/paths.h"
#include "notes/fhir_export.h"
#include "notes/summary_schema.h"

using namespace clinote;
using ojson = nlohmann::ordered_json;

namespace {

std::string golden(const std::string& name) { return source_dir() + "/tests/golden/grammar/" + name; }

clinical_summary read_summary(const std::string& name) {
    std::ifstream f(golden(name));
    return summary_from_json(nlohmann::json::parse(f), name);
}

bool in(const ojson& v, std::initializer_list<const char*> codes) {
    if (!v.is_string()) return false;
    for (const char* c : codes)
        if (v == c) return true;
    return false;
}

bool nonempty_concept(const ojson& c) {
    return c.is_object() && ((c.contains("text") && c["text"].is_string() && !c["text"].get<std::string>().empty()) ||
                             (c.contains("coding") && c["coding"].is_array() && !c["coding"].empty()));
}

// Problems found in a bundle; empty when it is structurally valid.
std::vector<std::string> check_bundle(const ojson& b) {
    std::vector<std::string> p;
    auto need = [&](bool ok, const std::string& what) {
        if (!ok) p.push_back(what);
    };
    need(b.value("resourceType", "") == "Bundle", "Bundle.resourceType");
    need(in(b.value("type", ojson()), {"document", "message", "transaction", "transaction-response", "batch",
                                       "batch-response", "history", "searchset", "collection"}), "Bundle.type");
    need(b.contains("entry") && b["entry"].is_array() && !b["entry"].empty(), "Bundle.entry");
    if (!p.empty()) return p;
    const std::regex uuid_url("urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    const std::regex id_re("[A-Za-z0-9\\-\\.]{1,64}");
    std::map<std::string, std::string> type_of;  // fullUrl -> resourceType
    for (const auto& e : b["entry"]) {
        const std::string url = e.value("fullUrl", "");
        need(std::regex_match(url, uuid_url), "entry.fullUrl is not a urn:uuid: " + url);
        need(!type_of.count(url), "bdl-7: duplicate fullUrl " + url);
        need(e.contains("resource") && e["resource"].contains("resourceType"), "entry.resource.resourceType");
        if (e.contains("resource")) {
            type_of[url] = e["resource"].value("resourceType", "");
            need(std::regex_match(e["resource"].value("id", ""), id_re), "Resource.id");
            need("urn:uuid:" + e["resource"].value("id", "") == url, "Resource.id differs from fullUrl");
        }
    }
    if (b["type"] == "document") {
        need(b.contains("identifier") && b["identifier"].contains("system") && b["identifier"].contains("value"), "bdl-9: document identifier");
        need(b.contains("timestamp"), "bdl-10: document timestamp");
        need(b["entry"][0]["resource"].value("resourceType", "") == "Composition", "bdl-11: Composition first");
    }
    // Every reference anywhere resolves to an entry of the bundle.
    std::function<void(const ojson&, const std::string&)> refs = [&](const ojson& v, const std::string& at) {
        if (v.is_object()) {
            for (auto it = v.begin(); it != v.end(); ++it) {
                if (it.key() == "reference") need(type_of.count(it.value().get<std::string>()) > 0, "unresolved reference at " + at);
                refs(it.value(), at + "." + it.key());
            }
        } else if (v.is_array()) {
            for (const auto& x : v) refs(x, at);
        }
    };
    refs(b, "Bundle");
    auto ref_to = [&](const ojson& r, const char* type) {
        return r.is_object() && r.contains("reference") && type_of[r["reference"].get<std::string>()] == type;
    };
    for (const auto& e : b["entry"]) {
        const ojson& r = e["resource"];
        const std::string t = r.value("resourceType", "");
        if (t == "Composition") {
            need(in(r.value("status", ojson()), {"preliminary", "final", "amended", "entered-in-error"}), "Composition.status");
            need(nonempty_concept(r.value("type", ojson())), "Composition.type");
            need(r.contains("date"), "Composition.date");
            need(r.contains("author") && r["author"].is_array() && !r["author"].empty(), "Composition.author");
            need(!r.value("title", "").empty(), "Composition.title");
            need(ref_to(r.value("subject", ojson()), "Patient"), "Composition.subject");
            for (const auto& a : r.value("attester", ojson::array()))
                need(in(a.value("mode", ojson()), {"personal", "professional", "legal", "official"}), "Composition.attester.mode");
            for (const auto& s : r.value("section", ojson::array())) {
                need(s.contains("text") || s.contains("entry") || s.contains("section"), "cmp-1: empty section");
                if (s.contains("text")) {
                    need(in(s["text"].value("status", ojson()), {"generated", "extensions", "additional", "empty"}), "Narrative.status");
                    need(s["text"].value("div", "").rfind("<div xmlns=\"http://www.w3.org/1999/xhtml\">", 0) == 0, "Narrative.div");
                }
            }
        } else if (t == "Patient") {
            if (r.contains("gender")) need(in(r["gender"], {"male", "female", "other", "unknown"}), "Patient.gender");
        } else if (t == "Condition") {
            need(ref_to(r.value("subject", ojson()), "Patient"), "Condition.subject");
            need(!r.value("code", ojson::object()).value("text", "").empty(), "Condition.code.text");
            if (r.contains("clinicalStatus"))
                need(in(r["clinicalStatus"]["coding"][0]["code"], {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}),
                     "Condition.clinicalStatus");
        } else if (t == "MedicationStatement") {
            need(in(r.value("status", ojson()), {"active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken"}),
                 "MedicationStatement.status");
            need(r.contains("medicationCodeableConcept") != r.contains("medicationReference"), "MedicationStatement.medication[x]");
            need(ref_to(r.value("subject", ojson()), "Patient"), "MedicationStatement.subject");
        } else if (t == "Observation") {
            need(in(r.value("status", ojson()), {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"}),
                 "Observation.status");
            need(nonempty_concept(r.value("code", ojson())), "Observation.code");
            need(ref_to(r.value("subject", ojson()), "Patient"), "Observation.subject");
            const bool has_value = r.contains("valueQuantity") || r.contains("valueString");
            need(!(has_value && r.contains("dataAbsentReason")), "obs-6: dataAbsentReason with a value");
        } else if (t == "AllergyIntolerance") {
            need(ref_to(r.value("patient", ojson()), "Patient"), "AllergyIntolerance.patient");
            need(r.contains("clinicalStatus"), "ait-1: AllergyIntolerance.clinicalStatus");
            for (const auto& re : r.value("reaction", ojson::array())) {
                need(re.contains("manifestation") && !re["manifestation"].empty(), "AllergyIntolerance.reaction.manifestation");
                if (re.contains("severity")) need(in(re["severity"], {"mild", "moderate", "severe"}), "AllergyIntolerance.reaction.severity");
            }
        } else {
            p.push_back("unexpected resource type " + t);
        }
    }
    return p;
}

fhir_export_options options(const std::string& type) {
    fhir_export_options o;
    o.bundle_type = type;
    o.timestamp = "2024-03-05T14:30:00Z";
    o.id_seed = 20240305;
    return o;
}

}  // namespace

TEST(FhirExport, BundlesAreStructurallyValidAndMatchGolden) {
    const bool update = std::getenv("CLINOTE_UPDATE_GOLDEN") != nullptr;
    struct variant {
        std::string summary, type;
        bool attested;
    };
    for (const variant& c : std::vector<variant>{{"full", "document", false}, {"full", "collection", false},
                                                 {"empty", "document", false}, {"empty", "collection", false},
                                                 {"full", "document", true}}) {
            fhir_export_options o = options(c.type);
            if (c.attested) {  // approved by a clinician: a final Composition with its legal attester
                o.attester = "Dr. A. Example";
                o.attested_at = "2024-03-05T14:25:00Z";
            }
            const ojson bundle = fhir_bundle_from_summary(read_summary("summary_" + c.summary + ".json"), o);
            const std::vector<std::string> problems = check_bundle(bundle);
            EXPECT_TRUE(problems.empty()) << c.summary << " " << c.type << ": " << (problems.empty() ? "" : problems[0]);
            const std::string path =
                golden("fhir_" + c.summary + "_" + c.type + (c.attested ? "_attested" : "") + ".json");
            if (update) {
                std::ofstream(path) << bundle.dump(1) << "\n";
                continue;
            }
            std::ifstream f(path);
            ASSERT_TRUE(f.good()) << path;
            EXPECT_EQ(bundle, ojson::parse(f)) << path;
        }
}

TEST(FhirExport, ContentOfTheFullSummary) {
    const ojson b = fhir_bundle_from_summary(read_summary("summary_full.json"), options("document"));
    std::map<std::string, int> count;
    for (const auto& e : b["entry"]) count[e["resource"]["resourceType"]]++;
    EXPECT_EQ(count, (std::map<std::string, int>{{"Composition", 1}, {"Patient", 1}, {"Condition", 4},
                                                 {"MedicationStatement", 3}, {"AllergyIntolerance", 3}, {"Observation", 6}}));
    const ojson& patient = b["entry"][1]["resource"];
    EXPECT_EQ(patient["gender"], "male");
    const ojson& diabetes = b["entry"][2]["resource"];
    EXPECT_EQ(diabetes["code"]["coding"][0]["code"], "E11.9");
    EXPECT_FALSE(b["entry"][3]["resource"]["code"].contains("coding")) << "no ICD-10 code is invented";
    EXPECT_FALSE(b["entry"][5]["resource"].contains("clinicalStatus")) << "unknown status is left out";
    const std::string div = b["entry"][0]["resource"]["section"][1]["text"]["div"];
    EXPECT_NE(div.find("Heart failure &lt;NYHA II&gt; &amp; edema"), std::string::npos) << div;
}

TEST(FhirExport, CheckerCatchesBrokenBundles) {
    const ojson good = fhir_bundle_from_summary(read_summary("summary_full.json"), options("document"));
    ASSERT_TRUE(check_bundle(good).empty());
    auto broken = [&](const std::function<void(ojson&)>& edit) {
        ojson b = good;
        edit(b);
        return !check_bundle(b).empty();
    };
    EXPECT_TRUE(broken([](ojson& b) { b["entry"][3]["resource"]["subject"]["reference"] = "urn:uuid:00000000-0000-4000-8000-000000000000"; }));
    EXPECT_TRUE(broken([](ojson& b) { b["entry"][0]["resource"].erase("status"); }));
    EXPECT_TRUE(broken([](ojson& b) { b["entry"][7]["resource"].erase("medicationCodeableConcept"); }));
    EXPECT_TRUE(broken([](ojson& b) { b.erase("identifier"); }));
    EXPECT_TRUE(broken([](ojson& b) { std::swap(b["entry"][0], b["entry"][1]); }));
    EXPECT_TRUE(broken([](ojson& b) { b["entry"][2]["fullUrl"] = b["entry"][1]["fullUrl"]; }));
    EXPECT_TRUE(broken([](ojson& b) { b["entry"][1]["resource"]["gender"] = "M"; }));
}

TEST(FhirExport, SeedDecidesIdsAndBadOptionsAreRefused) {
    const clinical_summary s = read_summary("summary_empty.json");
    fhir_export_options o = options("collection");
    EXPECT_EQ(fhir_bundle_from_summary(s, o), fhir_bundle_from_summary(s, o));
    fhir_export_options other = o;
    other.id_seed++;
    EXPECT_NE(fhir_bundle_from_summary(s, o)["id"], fhir_bundle_from_summary(s, other)["id"]);
    o.bundle_type = "transaction";
    EXPECT_THROW(fhir_bundle_from_summary(s, o), clinote::error);
    o = options("document");
    o.timestamp = "2024-03-05 14:30";
    EXPECT_THROW(fhir_bundle_from_summary(s, o), clinote::error);
    o.timestamp.clear();
    EXPECT_TRUE(check_bundle(fhir_bundle_from_summary(s, o)).empty()) << "current time is a valid instant";
}
