#include <gtest/gtest.h>

#include "data/stats.h"

using namespace clinote;

TEST(Stats, KnownAnswers) {
    encounter a;
    a.id = a.group = "a";
    a.source = "mts-dialog";
    a.turns = {{"Doctor", "Any allergies?"}, {"Patient", "No known allergies."}};
    a.sections = {{"ALLERGY", "allergies", "No known allergies."}};
    encounter b;
    b.id = "b-asr";
    b.group = "b";
    b.source = "aci-bench";
    b.turns = {{"Doctor", "hi"}};
    b.note = "CHIEF COMPLAINT\n\nCough.";
    b.sections = {{"CHIEF COMPLAINT", "chief_complaint", "Cough."}};
    encounter c = b;
    c.id = "b";
    const dataset_stats s = stats_compute({a, b, c});
    EXPECT_EQ(s.encounters, 3u);
    EXPECT_EQ(s.groups, 2u);
    EXPECT_EQ(s.section_level, 1u);
    EXPECT_EQ(s.full_notes, 2u);
    EXPECT_EQ(s.turns, 4u);
    EXPECT_EQ(s.transcript_words, 7u);  // 2 + 3 + 1 + 1
    EXPECT_EQ(s.reference_words, 3u + 3u + 3u);
    EXPECT_EQ(s.max_transcript_words, 5u);
    EXPECT_EQ(s.speakers.at("Doctor"), 3u);
    EXPECT_EQ(s.by_section.at("chief_complaint"), 2u);
    EXPECT_EQ(s.by_source.at("aci-bench"), 2u);
    EXPECT_NE(stats_to_text(s).find("encounters: 3 in 2 conversation groups"), std::string::npos);
}
