// Loop and echo detection on notes whose answer is plain from the text, including the
// defects the README's first command used to print (docs/experiments.md).
#include <gtest/gtest.h>

#include "eval/note_defects.h"

namespace clinote {
namespace {

TEST(NoteDefects, ALineRepeatedThreeTimesLoops) {
    EXPECT_TRUE(note_loops("I'm allergic to penicillin. I'm allergic to penicillin.\nI'm allergic to penicillin."));
    EXPECT_TRUE(note_loops("Grandfather: 26, 28, 20-year-old. Grandfather: 26, 28, 20-year-old. Grandfather: 26, 28, "
                           "20-year-old."));
}

TEST(NoteDefects, TwiceIsNoLoopAndCaseOrPunctuationDoNotHideOne) {
    EXPECT_FALSE(note_loops("He has had a history of right temporal mass. He has had a history of right temporal mass."));
    EXPECT_TRUE(note_loops("right leg pain, Right leg pain; RIGHT LEG PAIN... right leg pain"));
    EXPECT_FALSE(note_loops("The patient reports cough. The patient denies fever. The patient denies chills."));
    EXPECT_FALSE(note_loops(""));
}

TEST(NoteDefects, SixWordsOfTheInstructionsAreAnEcho) {
    const std::string instructions =
        "Write these sections in this order, each starting with its heading on its own line:\n"
        "SUBJECTIVE: chief complaint, history of present illness, review of systems, past medical history";
    EXPECT_TRUE(note_echoes_instructions("SUBJECTIVE: chief complaint, history of present illness, review", instructions));
    EXPECT_TRUE(note_echoes_instructions("each starting with its heading on its own line", instructions));
    EXPECT_FALSE(note_echoes_instructions("SUBJECTIVE:\nCough for two weeks; history of present illness as above.",
                                          instructions));
    EXPECT_FALSE(note_echoes_instructions("", instructions));
}

}  // namespace
}  // namespace clinote
