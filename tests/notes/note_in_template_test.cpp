// A full note rearranged into a template's sections: known answers on an ACI-Bench-style
// note, and on every ACI-Bench training note the check that no line is lost or invented.
#include <gtest/gtest.h>

#include <fstream>
#include <cctype>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/file.h"
#include "notes/note_in_template.h"
#include "notes/section_map.h"

namespace clinote {
namespace {

const std::string k_note =
    "CHIEF COMPLAINT\n\nBack pain.\n\n"
    "HISTORY OF PRESENT ILLNESS\n\nHe felt a pop while golfing 4 days ago.\n\n"
    "PHYSICAL EXAM\n\nPain to palpation of the lumbar spine.\n\n"
    "ASSESSMENT AND PLAN\n\n"
    "James Allen is a 57-year-old male who presents with back pain.\n\n"
    "Acute lumbar strain.\n"
    "\u2022 Medical Reasoning: He felt a pop while golfing.\n"
    "\u2022 Medical Treatment: Initiate meloxicam 15 mg once daily.\n\n"
    "Diabetes type 2.\n"
    "\u2022 Medical Reasoning: His hemoglobin A1c was 8.\n\n"
    "Patient Agreements: The patient understands and agrees with the plan.\n\n"
    "INSTRUCTIONS\n\nThe patient will follow-up in 2 weeks.";

TEST(NoteInTemplate, AciNoteInSoapSections) {
    const std::string soap = note_in_template(note_split_sections(k_note), template_find("soap"));
    EXPECT_EQ(soap,
              "SUBJECTIVE:\nCHIEF COMPLAINT\nBack pain.\n\nHISTORY OF PRESENT ILLNESS\nHe felt a pop while golfing 4 "
              "days ago.\n\n"
              "OBJECTIVE:\nPHYSICAL EXAM\nPain to palpation of the lumbar spine.\n\n"
              "ASSESSMENT:\nJames Allen is a 57-year-old male who presents with back pain.\n\n"
              "Acute lumbar strain.\n\u2022 Medical Reasoning: He felt a pop while golfing.\n\n"
              "Diabetes type 2.\n\u2022 Medical Reasoning: His hemoglobin A1c was 8.\n\n"
              "PLAN:\nAcute lumbar strain.\n\u2022 Medical Treatment: Initiate meloxicam 15 mg once daily.\n\n"
              "Patient Agreements: The patient understands and agrees with the plan.\n\n"
              "INSTRUCTIONS\nThe patient will follow-up in 2 weeks.");
}

TEST(NoteInTemplate, AHeaderEqualToTheTemplateHeadingIsNotRepeated) {
    const std::string hp = note_in_template(note_split_sections(k_note), template_find("hp"));
    EXPECT_EQ(hp.rfind("CHIEF COMPLAINT:\nBack pain.\n\nHISTORY OF PRESENT ILLNESS:\nHe felt", 0), 0u) << hp;
    // H&P keeps assessment and plan together: nothing is split.
    EXPECT_NE(hp.find("ASSESSMENT AND PLAN:\nJames Allen"), std::string::npos) << hp;
    EXPECT_NE(hp.find("Medical Reasoning: He felt a pop while golfing.\n\u2022 Medical Treatment"), std::string::npos);
}

// Every non-blank line of each ACI-Bench training note is in the SOAP arrangement, and every
// line of the arrangement is a line of the note or a SOAP heading. Header lines compare in
// the form note_split_sections keeps them ("CC:" -> "CC"); a note's own "ASSESSMENT", "PLAN"
// or (split in two) "ASSESSMENT AND PLAN" header is the template's heading.
TEST(NoteInTemplate, EveryAciBenchTrainingNoteKeepsEachLine) {
    const std::string path = "../shared/data/aci-bench/train_full.json";
    if (!std::ifstream(path)) GTEST_SKIP() << path << " not found";
    const nlohmann::json records = nlohmann::json::parse(file_read_text(path))["data"];
    ASSERT_GT(records.size(), 60u);
    const note_template soap = template_find("soap");
    auto lines_of = [](const std::string& text) {
        std::map<std::string, int> count;
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line)) {
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            if (line.size() <= 60 && !section_key_for_header(line).empty()) {
                while (!line.empty() && (line.back() == ':' || line.back() == ' ')) line.pop_back();
                for (char& c : line) c = char(std::toupper(static_cast<unsigned char>(c)));
            }
            const std::string bare = line.ends_with(":") ? line.substr(0, line.size() - 1) : line;
            if (bare == "SUBJECTIVE" || bare == "OBJECTIVE" || bare == "ASSESSMENT" || bare == "PLAN" ||
                bare == "ASSESSMENT AND PLAN")
                continue;
            count[line]++;
        }
        return count;
    };
    for (size_t r = 0; r < records.size(); r++) {
        const std::string note = records[r]["tgt"].get<std::string>();
        const auto before = lines_of(note), after = lines_of(note_in_template(note_split_sections(note), soap));
        for (const auto& [line, n] : before)
            EXPECT_TRUE(after.count(line) && after.at(line) >= n) << "row " << r << " lost: " << line;
        for (const auto& [line, n] : after) EXPECT_TRUE(before.count(line)) << "row " << r << " invented: " << line;
    }
}

}  // namespace
}  // namespace clinote
