// The ClinicalSummary schema and its validator, against errors the reference `jsonschema`
// package reported for valid and mutated summaries (tools/make_summary_golden.py).
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "core/error.h"
#include "core/paths.h"
#include "notes/json_schema_validate.h"
#include "notes/summary_schema.h"

using namespace clinote;

namespace {

std::string golden(const std::string& name) { return source_dir() + "/tests/golden/grammar/" + name; }

nlohmann::json read_json(const std::string& path) {
    std::ifstream f(path);
    EXPECT_TRUE(f.good()) << path;
    return nlohmann::json::parse(f);
}

}  // namespace

TEST(SummarySchema, BuiltInSchemaIsTheShippedFile) {
    std::ifstream f(source_dir() + "/schemas/clinical_summary.schema.json");
    const nlohmann::ordered_json shipped = nlohmann::ordered_json::parse(f);
    EXPECT_EQ(clinical_summary_schema(), shipped);
}

TEST(SummarySchema, ValidatorAgreesWithJsonschema) {
    std::ifstream f(golden("validator_cases.jsonl"));
    std::string line;
    int n = 0, invalid = 0;
    while (std::getline(f, line)) {
        const nlohmann::json c = nlohmann::json::parse(line);
        std::set<std::pair<std::string, std::string>> expected, got;
        for (const auto& e : c["errors"]) expected.insert({e[0].get<std::string>(), e[1].get<std::string>()});
        for (const schema_error& e : json_schema_validate(clinical_summary_schema(), c["doc"])) {
            got.insert({e.path, e.keyword});
            EXPECT_FALSE(e.message.empty());
        }
        EXPECT_EQ(got, expected) << c["doc"].dump();
        n++;
        invalid += !expected.empty();
    }
    EXPECT_EQ(n, 42);
    EXPECT_EQ(invalid, 37);
}

TEST(SummarySchema, ValidatorRefusesUnsupportedKeywords) {
    try {
        json_schema_validate(nlohmann::json::parse(R"({"type":"object","properties":{"a":{"type":"string","pattern":"x"}}})"),
                             nlohmann::json::parse(R"({"a":"y"})"));
        FAIL() << "no error";
    } catch (const clinote::error& e) {
        EXPECT_STREQ(e.what(), "json schema /properties/a/pattern: unsupported keyword");
    }
}

TEST(SummarySchema, RoundTripsThroughTheStruct) {
    for (const char* name : {"summary_full.json", "summary_empty.json"}) {
        const nlohmann::json doc = read_json(golden(name));
        const clinical_summary s = summary_from_json(doc);
        const nlohmann::json back = summary_to_json(s);
        EXPECT_EQ(back, doc) << name;
        EXPECT_TRUE(json_schema_validate(clinical_summary_schema(), back).empty());
    }
    const clinical_summary s = summary_from_json(read_json(golden("summary_full.json")));
    EXPECT_EQ(s.age, 67);
    ASSERT_EQ(s.vitals.size(), 4u);
    EXPECT_EQ(s.vitals[0].text, "142/88");
    EXPECT_EQ(s.vitals[1].number, 92);
    EXPECT_FALSE(s.vitals[3].number || s.vitals[3].text);
    EXPECT_FALSE(s.medications[2].dose.has_value());
}

TEST(SummarySchema, InvalidSummaryNamesPathAndProblem) {
    nlohmann::json doc = read_json(golden("summary_full.json"));
    doc["patient"]["age"] = 131;
    try {
        summary_from_json(doc, "out.json");
        FAIL() << "no error";
    } catch (const clinote::error& e) {
        EXPECT_STREQ(e.what(), "out.json/patient/age: 131 is greater than the maximum of 130");
    }
}
