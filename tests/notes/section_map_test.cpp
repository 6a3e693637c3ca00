#include <gtest/gtest.h>

#include <fstream>

#include "core/paths.h"
#include "notes/note_template.h"
#include "notes/section_map.h"

using namespace clinote;

TEST(SectionMap, EveryHeaderFoundInTheDataMaps) {
    // Headers listed from the data by tools/make_data_golden.py (MTS-Dialog's 20, ACI-Bench's).
    std::ifstream in(source_dir() + "/tests/golden/data/section_headers.json");
    ASSERT_TRUE(in) << "run tools/make_data_golden.py";
    const auto j = nlohmann::json::parse(in);
    EXPECT_EQ(j["mts-dialog"].size(), 20u);
    for (const auto& [dataset, headers] : j.items()) {
        for (const auto& h : headers) {
            const std::string key = section_key_for_header(h.get<std::string>());
            ASSERT_FALSE(key.empty()) << dataset << " header " << h;
            EXPECT_NE(section_find(key), nullptr) << key;
            for (const auto& t : {template_find("soap"), template_find("hp")})
                EXPECT_NE(template_section_for_key(t, key), nullptr) << t.name << " " << h;
        }
    }
}

TEST(SectionMap, KnownAnswers) {
    EXPECT_EQ(section_key_for_header("GENHX"), "history_of_present_illness");
    EXPECT_EQ(section_key_for_header("FAM/SOCHX"), "family_social_history");
    EXPECT_EQ(section_key_for_header("  cc: "), "chief_complaint");
    EXPECT_EQ(section_key_for_header("Physical Examination"), "physical_exam");
    EXPECT_EQ(section_key_for_header("ASSESSMENT AND PLAN"), "assessment_and_plan");
    EXPECT_EQ(section_key_for_header("COPD."), "");
    EXPECT_EQ(section_key_for_header("BP: 120/80"), "");
}

TEST(SectionMap, SplitsAFullNoteAtHeaderLines) {
    const auto s = note_split_sections(
        "Seen today.\n\nCC:\n\nRight knee pain.\n\nHPI:\n\nFell.\nMSK:\nBP: 120/80\n\nPLAN\n\nIce.\n");
    ASSERT_EQ(s.size(), 4u);
    EXPECT_EQ(s[0].header, "");
    EXPECT_EQ(s[0].text, "Seen today.");
    EXPECT_EQ(s[1].header, "CC");
    EXPECT_EQ(s[1].key, "chief_complaint");
    EXPECT_EQ(s[1].text, "Right knee pain.");
    EXPECT_EQ(s[2].key, "history_of_present_illness");
    EXPECT_EQ(s[2].text, "Fell.\nMSK:\nBP: 120/80");
    EXPECT_EQ(s[3].key, "plan");
    EXPECT_EQ(s[3].text, "Ice.");
}
