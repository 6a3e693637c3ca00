#include <gtest/gtest.h>

#include "notes/transcript.h"

using namespace clinote;

TEST(Transcript, ColonLabelsWithContinuationLines) {
    const auto t = transcript_parse("Doctor: How are you?  \r\nPatient: Fine.\r\nI slept well.\r\n\r\nGuest_family: He did.");
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(t[0].speaker, "Doctor");
    EXPECT_EQ(t[0].text, "How are you?");
    EXPECT_EQ(t[1].speaker, "Patient");
    EXPECT_EQ(t[1].text, "Fine. I slept well.");
    EXPECT_EQ(t[2].speaker, "Family");
    EXPECT_EQ(t[2].text, "He did.");
}

TEST(Transcript, BracketLabelsInlineAndPerLine) {
    const auto t = transcript_parse("[doctor] hi , martha . [patient] hello .\n[doctor] so\nmore text\n[patient_guest] yes");
    ASSERT_EQ(t.size(), 4u);
    EXPECT_EQ(t[0].text, "hi , martha .");
    EXPECT_EQ(t[1].speaker, "Patient");
    EXPECT_EQ(t[1].text, "hello .");
    EXPECT_EQ(t[2].text, "so more text");
    EXPECT_EQ(t[3].speaker, "Guest");
}

TEST(Transcript, UnlabelledTextAndNonSpeakerBrackets) {
    const auto t = transcript_parse("hello there\nDoctor: see [figure 1] please: now");
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].speaker, "Speaker");
    EXPECT_EQ(t[0].text, "hello there");
    EXPECT_EQ(t[1].text, "see [figure 1] please: now");
}

TEST(Transcript, EmptyInputsGiveNoTurns) {
    EXPECT_TRUE(transcript_parse("").empty());
    EXPECT_TRUE(transcript_parse(" \n\r\n\t").empty());
    EXPECT_TRUE(transcript_parse("Doctor:\nPatient:   ").empty());
}

TEST(Transcript, FormatRoundTrip) {
    const std::vector<turn> turns = {{"Doctor", "Any allergies?"}, {"Patient", "Penicillin: a rash."}};
    const std::string text = transcript_format(turns);
    EXPECT_EQ(text, "Doctor: Any allergies?\nPatient: Penicillin: a rash.");
    const auto back = transcript_parse(text);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[1].text, turns[1].text);
}
