#include <gtest/gtest.h>

#include "notes/entities.h"
#include "notes/entity_tagger.h"

using namespace clinote;

TEST(Entities, ParseGivesValuesOffsetsAndPlainText) {
    const std::string tagged = "Start {{drug:metformin}} {{dose:500 mg}} for {{dx:type 2 diabetes}}.";
    const auto r = entities_parse(tagged);
    EXPECT_TRUE(r.problems.empty());
    EXPECT_EQ(r.plain, "Start metformin 500 mg for type 2 diabetes.");
    ASSERT_EQ(r.entities.size(), 3u);
    EXPECT_EQ(r.entities[0].type, "drug");
    EXPECT_EQ(r.entities[0].value, "metformin");
    EXPECT_EQ(r.entities[0].offset, 6u);
    EXPECT_EQ(r.entities[0].plain_offset, 6u);
    EXPECT_EQ(r.entities[1].offset, tagged.find("{{dose"));
    EXPECT_EQ(r.plain.substr(r.entities[1].plain_offset, 6), "500 mg");
    EXPECT_EQ(r.plain.substr(r.entities[2].plain_offset, r.entities[2].value.size()), "type 2 diabetes");
}

TEST(Entities, MalformedTagsReportedWithOffsetAndKeptVerbatim) {
    const std::string tagged = "a {{drug metformin}} b {{pill:x}} c {{lab:}} d {{vital:BP 150/90";
    const auto r = entities_parse(tagged);
    ASSERT_EQ(r.problems.size(), 4u);
    EXPECT_EQ(r.problems[0].offset, 2u);
    EXPECT_NE(r.problems[0].message.find("':'"), std::string::npos);
    EXPECT_EQ(r.problems[1].offset, tagged.find("{{pill"));
    EXPECT_NE(r.problems[1].message.find("unknown entity type 'pill'"), std::string::npos);
    EXPECT_EQ(r.problems[2].offset, tagged.find("{{lab"));
    EXPECT_EQ(r.problems[3].offset, tagged.find("{{vital"));
    EXPECT_NE(r.problems[3].message.find("unterminated"), std::string::npos);
    EXPECT_TRUE(r.entities.empty());
    EXPECT_EQ(r.plain, tagged);
    EXPECT_EQ(entities_strip(tagged), tagged);
}

TEST(Entities, TagMustCloseOnSameLine) {
    const auto r = entities_parse("{{dx:heart\nfailure}} and {{dx:asthma}}");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].offset, 0u);
    ASSERT_EQ(r.entities.size(), 1u);
    EXPECT_EQ(r.entities[0].value, "asthma");
}

TEST(Entities, HtmlHighlightsAndEscapes) {
    EXPECT_EQ(entities_to_html("BP <high> & {{vital:BP 150/90}} {{drug:\"A&B\"}}"),
              "BP &lt;high&gt; &amp; <mark class=\"ent ent-vital\">BP 150/90</mark> "
              "<mark class=\"ent ent-drug\">&quot;A&amp;B&quot;</mark>");
    EXPECT_EQ(entities_to_html("it's {{oops"), "it&#39;s {{oops");
}

TEST(Entities, TaggerMarksKnownEntitiesAndKeepsText) {
    const std::string note =
        "Patient reports taking lisinopril 20 mg daily and metformin 1000 mg twice daily for type 2 diabetes.\n"
        "Blood pressure: 132/80 mm Hg. Heart rate: 84 BPM. Hemoglobin A1c is elevated at 8.\n"
        "Total cholesterol 222 mg/dL. History of hypertension.";
    const std::string tagged = entities_tag_text(note);
    EXPECT_EQ(entities_strip(tagged), note);
    const auto r = entities_parse(tagged);
    EXPECT_TRUE(r.problems.empty());
    std::vector<std::string> got;
    for (const auto& e : r.entities) got.push_back(e.type + ":" + e.value);
    const std::vector<std::string> want = {"drug:lisinopril", "dose:20 mg",
                                           "drug:metformin", "dose:1000 mg",
                                           "dx:type 2 diabetes", "vital:Blood pressure: 132/80 mm Hg",
                                           "vital:Heart rate: 84 BPM", "lab:Hemoglobin A1c is elevated at 8",
                                           "lab:Total cholesterol 222 mg/dL", "dx:hypertension"};
    EXPECT_EQ(got, want);
}

TEST(Entities, TaggerLeavesBracesAndWordPartsAlone) {
    const std::string note = "{metformin} dosed; prediabetic? metforminx 5 mg/kg";
    const std::string tagged = entities_tag_text(note);
    EXPECT_EQ(entities_strip(tagged), note);
    EXPECT_TRUE(entities_parse(tagged).entities.empty()) << tagged;
}
