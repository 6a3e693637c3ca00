#include <gtest/gtest.h>

#include <fstream>

#include "data/encounter_store.h"
#include "data/export.h"
#include "data/import.h"
#include "notes/entities.h"
#include "notes/note_in_template.h"
#include "notes/prompt.h"
#include "test_util.h"

using namespace clinote;

namespace {

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
    std::ifstream in(path);
    std::vector<nlohmann::json> out;
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
}

}  // namespace

TEST(Export, TrainingLinesCarryTheServingPromptByteForByte) {
    // The export path (encounters.jsonl -> train/valid/test.jsonl) and the serving path
    // (prompt_messages on the same encounter) must give identical system and user messages.
    REQUIRE_SHARED_DATA();
    std::vector<encounter> encs;
    for (const char* rel : {"aci-bench/valid.csv", "mts-dialog/valid.csv"}) {
        import_report r;
        auto more = import_any(shared_data(rel), "auto", {}, r);
        encs.insert(encs.end(), more.begin(), more.end());
    }
    const std::string store = ::testing::TempDir() + "export_encounters.jsonl";
    encounters_write(store, encs);
    const auto stored = encounters_read(store);

    const note_template t = template_find("soap");
    const std::string dir = ::testing::TempDir() + "export_out";
    split_result s;
    for (const auto& e : stored) s.split_of[e.id] = "test";
    const auto counts = export_chat_jsonl(stored, s, t, {}, dir);
    EXPECT_EQ(counts[2], encs.size());
    EXPECT_TRUE(read_jsonl(dir + "/train.jsonl").empty());
    const auto lines = read_jsonl(dir + "/test.jsonl");
    ASSERT_EQ(lines.size(), encs.size());
    for (size_t i = 0; i < encs.size(); i++) {
        const auto& m = lines[i]["messages"];
        ASSERT_EQ(m.size(), 3u);
        prompt_options po;
        po.target_section = prompt_default_target(encs[i]);
        const auto serving = prompt_messages(encs[i].turns, t, po);
        EXPECT_EQ(m[0].dump(), serving[0].dump()) << encs[i].id;
        EXPECT_EQ(m[1].dump(), serving[1].dump()) << encs[i].id;
        EXPECT_EQ(m[2]["role"], "assistant");
        // A section answers with its text; a full note is arranged in the template's sections.
        EXPECT_EQ(m[2]["content"], po.target_section.empty() ? note_in_template(encs[i].sections, t)
                                                              : encounter_reference(encs[i]));
    }
}

TEST(Export, EntityTaggedReferencesStripBackToTheNotes) {
    REQUIRE_SHARED_DATA();
    size_t tagged = 0;
    for (const char* rel : {"aci-bench/train.csv", "aci-bench/valid.csv", "mts-dialog/train.csv"}) {
        import_report r;
        for (const auto& e : import_any(shared_data(rel), "auto", {}, r)) {
            const auto m = nlohmann::json::parse(export_line(e, template_find("hp"), {true}))["messages"];
            const std::string ref = m[2]["content"];
            const auto parsed = entities_parse(ref);
            ASSERT_TRUE(parsed.problems.empty()) << e.id << ": " << parsed.problems[0].message;
            ASSERT_EQ(parsed.plain, encounter_is_section_level(e) ? encounter_reference(e)
                                                                  : note_in_template(e.sections, template_find("hp")))
                << e.id;
            tagged += parsed.entities.size();
        }
    }
    EXPECT_GT(tagged, 1000u);
}

TEST(Export, TrlFormatIsTheSameMessagesSplitIntoPromptAndCompletion) {
    REQUIRE_SHARED_DATA();
    import_report r;
    const auto encs = import_any(shared_data("mts-dialog/valid.csv"), "auto", {}, r);
    ASSERT_FALSE(encs.empty());
    export_options trl;
    trl.format = export_format::prompt_completion;
    for (size_t i = 0; i < 5; i++) {
        const auto messages = nlohmann::json::parse(export_line(encs[i], template_find("soap"), {}))["messages"];
        const auto pc = nlohmann::json::parse(export_line(encs[i], template_find("soap"), trl));
        ASSERT_EQ(pc.size(), 2u) << pc.dump();
        ASSERT_EQ(pc["prompt"].size(), 2u);
        EXPECT_EQ(pc["prompt"][0], messages[0]);
        EXPECT_EQ(pc["prompt"][1], messages[1]);
        EXPECT_EQ(pc["completion"], nlohmann::json::array({messages[2]}));
    }
}
