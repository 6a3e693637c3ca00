// Structured-output checks on hand-worked examples (the expected counts are worked out in the comments).
#include <gtest/gtest.h>

#include "eval/structured_check.h"
#include "notes/summary_schema.h"

using namespace clinote;

namespace {
const nlohmann::json schema = nlohmann::json::parse(R"({
  "type": "object", "required": ["age", "medications"], "additionalProperties": false,
  "properties": {
    "age": {"type": ["integer", "null"]},
    "medications": {"type": "array", "items": {"type": "object", "required": ["name"],
      "properties": {"name": {"type": "string"}, "dose": {"type": ["number", "null"]}}}}}})");
}

TEST(StructuredCheck, LeavesIgnoreOrderCaseSpacingAndNulls) {
    // nlohmann::json keeps object keys sorted, so dose comes before name.
    const auto leaves = json_leaf_fields(nlohmann::json::parse(
        R"({"age": 54, "medications": [{"name": "  Metformin\n XR ", "dose": 500.0}, {"name": "x", "dose": null}]})"));
    EXPECT_EQ(leaves, (std::vector<std::string>{"/age=54", "/medications/*/dose=500", "/medications/*/name=metformin xr",
                                                "/medications/*/name=x"}));
}

TEST(StructuredCheck, ParseSchemaAndFieldAgreement) {
    const nlohmann::json reference = nlohmann::json::parse(
        R"({"age": 54, "medications": [{"name": "metformin", "dose": 500}, {"name": "lisinopril", "dose": 10}]})");
    // Generated leaves: age=54 (match), aspirin (no), metformin (match), dose 1000 (no) -> 2 of 4;
    // reference leaves: 5 -> recall 2/5.
    const structured_result r = structured_check(
        "```json\n{\"age\": 54, \"medications\": [{\"name\": \"Aspirin\"}, {\"name\": \"METFORMIN\", \"dose\": 1000}]}\n```",
        schema, reference);
    EXPECT_TRUE(r.parsed);
    EXPECT_TRUE(r.schema_valid) << r.error;
    EXPECT_EQ(r.generated_fields, 4u);
    EXPECT_EQ(r.reference_fields, 5u);
    EXPECT_EQ(r.matched_fields, 2u);
    EXPECT_DOUBLE_EQ(r.precision, 0.5);
    EXPECT_DOUBLE_EQ(r.recall, 0.4);
    EXPECT_NEAR(r.f1, 2 * 0.5 * 0.4 / 0.9, 1e-12);
}

TEST(StructuredCheck, DuplicateLeavesMatchOnce) {
    const nlohmann::json reference = nlohmann::json::parse(R"({"age": null, "medications": [{"name": "a"}]})");
    const structured_result r = structured_check(R"({"age": null, "medications": [{"name": "a"}, {"name": "a"}]})",
                                                 schema, reference);
    EXPECT_EQ(r.matched_fields, 1u);
    EXPECT_DOUBLE_EQ(r.precision, 0.5);
    EXPECT_DOUBLE_EQ(r.recall, 1.0);
}

TEST(StructuredCheck, GarbageAndSchemaViolations) {
    const structured_result bad = structured_check("Here is the summary: {age: 5", schema, std::nullopt);
    EXPECT_FALSE(bad.parsed);
    EXPECT_FALSE(bad.schema_valid);
    EXPECT_NE(bad.error.find("not JSON"), std::string::npos);
    const structured_result invalid = structured_check(R"({"age": "old", "medications": []})", schema, std::nullopt);
    EXPECT_TRUE(invalid.parsed);
    EXPECT_FALSE(invalid.schema_valid);
    EXPECT_NE(invalid.error.find("/age"), std::string::npos) << invalid.error;
    EXPECT_FALSE(invalid.has_reference);
}

TEST(StructuredCheck, ClinicalSummarySchemaRejectsAnEmptyObject) {
    const structured_result r = structured_check("{}", nlohmann::json(clinical_summary_schema()), std::nullopt);
    EXPECT_TRUE(r.parsed);
    EXPECT_FALSE(r.schema_valid);
}
