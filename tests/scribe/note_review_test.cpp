// The review of a draft, on hand-made notes whose flags are evident from the text: a changed
// dose, a flipped side, a loop, a copied instruction, an empty and a missing section, and the
// transcript line behind each supported fact.
#include <gtest/gtest.h>

#include "core/file.h"
#include "core/paths.h"
#include "notes/prompt.h"
#include "notes/transcript.h"
#include "scribe/note_review.h"

namespace clinote {
namespace {

const fact_lexicons& lexicons() {
    static const fact_lexicons lex = fact_lexicons_load(fact_lexicon_dir_default());
    return lex;
}

note_request visit() {
    note_request r;
    r.transcript = file_read_text(source_dir() + "/examples/visit.txt");
    return r;
}

std::vector<std::string> kinds(const note_review& v) {
    std::vector<std::string> out;
    for (const review_flag& f : v.flags) out.push_back(f.kind);
    return out;
}

const std::string k_good_note =
    "SUBJECTIVE:\nCough for two weeks, fever up to 101 since Saturday. Takes lisinopril 10 mg once a day. "
    "Allergic to penicillin.\n"
    "OBJECTIVE:\nTemperature 100.8, oxygen saturation 94%. Crackles at the right lower lung.\n"
    "ASSESSMENT:\nCommunity-acquired pneumonia.\n"
    "PLAN:\nChest X-ray. Doxycycline 100 mg twice a day for seven days.\n";

TEST(NoteReview, FaithfulNoteHasNoFlagsAndEveryFactPointsAtItsLine) {
    const note_request r = visit();
    const note_review v = note_review_make(r, k_good_note, lexicons());
    EXPECT_TRUE(v.flags.empty()) << note_review_json(v, k_good_note).dump(2);
    ASSERT_GT(v.facts_checked, 5u);
    EXPECT_EQ(v.support.size(), v.facts_checked);
    // "10 mg" is said on transcript line 10; "100 mg" (doxycycline) on line 13.
    const size_t dose = k_good_note.find("10 mg");
    bool found = false;
    for (const review_support& s : v.support)
        if (s.begin == dose) {
            found = true;
            EXPECT_EQ(s.line, 10u);
            EXPECT_EQ(s.line_text, "Patient: I have high blood pressure. I take lisinopril 10 mg once a day.");
        }
    EXPECT_TRUE(found) << note_review_json(v, k_good_note).dump(2);
    const nlohmann::json j = note_review_json(v, k_good_note);
    EXPECT_EQ(j["support"][0]["text"], k_good_note.substr(v.support[0].begin, v.support[0].end - v.support[0].begin));
}

TEST(NoteReview, ChangedDoseAndSideAreFlaggedWithTheirSpanAndReason) {
    std::string note = k_good_note;
    note.replace(note.find("lisinopril 10 mg"), 16, "lisinopril 20 mg");
    note.replace(note.find("right lower"), 5, "left");
    const note_review v = note_review_make(visit(), note, lexicons());
    ASSERT_EQ(kinds(v), (std::vector<std::string>{"dose", "laterality"})) << note_review_json(v, note).dump(2);
    EXPECT_EQ(note.substr(v.flags[0].begin, v.flags[0].end - v.flags[0].begin), "20 mg");
    EXPECT_NE(v.flags[0].reason.find("10 mg"), std::string::npos) << v.flags[0].reason;
    EXPECT_EQ(note_review_json(v, note)["flags"][0]["note_line"], 2);
    EXPECT_EQ(note.substr(v.flags[1].begin, v.flags[1].end - v.flags[1].begin).substr(0, 4), "left");
    const std::string text = note_review_text(v, note);
    EXPECT_NE(text.find("review: 2 flags"), std::string::npos) << text;
    EXPECT_NE(text.find("dose \"20 mg\" (note line 2): transcript has 10 mg"), std::string::npos) << text;
}

TEST(NoteReview, LoopEchoEmptyAndMissingSectionsAreFlagged) {
    const note_request r = visit();
    // The SOAP instructions' own words, as the bare model copies them.
    std::string instructions;
    for (const auto& m : prompt_messages(transcript_parse(r.transcript), r.tmpl, {}))
        if (m["role"] == "system") instructions = m["content"];
    const size_t start = instructions.find("SUBJECTIVE");
    ASSERT_NE(start, std::string::npos);
    const std::string copied = instructions.substr(start, 80);
    const std::string note = "SUBJECTIVE:\n" + copied + "\nOBJECTIVE:\n\nASSESSMENT:\n" +
                             "I'm allergic to penicillin. I'm allergic to penicillin. I'm allergic to penicillin.\n";
    const note_review v = note_review_make(r, note, lexicons());
    const std::vector<std::string> k = kinds(v);
    for (const char* want : {"loop", "echo", "empty_section", "missing_section"})
        EXPECT_NE(std::find(k.begin(), k.end(), want), k.end()) << want << "\n" << note_review_json(v, note).dump(2);
    for (const review_flag& f : v.flags) {
        if (f.kind == "loop") {
            EXPECT_EQ(f.text, "i m allergic to");
        } else if (f.kind == "empty_section") {
            EXPECT_EQ(f.text, "OBJECTIVE:");
        } else if (f.kind == "missing_section") {
            EXPECT_EQ(f.text, "PLAN:");
        }
    }
}

TEST(NoteReview, OneSectionOrJsonIsNotAskedForTheOtherSections) {
    note_request r = visit();
    r.section = "PLAN";
    EXPECT_TRUE(note_review_make(r, "Doxycycline 100 mg twice a day.\n", lexicons()).flags.empty());
    r.section.clear();
    r.json = true;
    const std::string j = R"({"medications": [{"name": "lisinopril", "dose": "20 mg"}]})";
    EXPECT_EQ(kinds(note_review_make(r, j, lexicons())), std::vector<std::string>{"dose"});
}

}  // namespace
}  // namespace clinote
