#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "core/error.h"
#include "core/paths.h"
#include "data/encounter_store.h"
#include "data/import.h"
#include "notes/transcript.h"
#include "test_util.h"

using namespace clinote;

namespace {

std::vector<encounter> import_file(const std::string& rel, const std::string& format = "auto") {
    import_report r;
    auto out = import_any(shared_data(rel), format, {}, r);
    EXPECT_EQ(r.skipped, 0u) << rel;
    return out;
}

uint64_t fnv1a(const std::string& s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

std::string hex16(uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)v);
    return buf;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(Import, RealDatasetCounts) {
    REQUIRE_SHARED_DATA();
    const std::pair<const char*, size_t> files[] = {{"mts-dialog/train.csv", 1201}, {"mts-dialog/valid.csv", 100},
                                                     {"aci-bench/train.csv", 67},    {"aci-bench/valid.csv", 20},
                                                     {"aci-bench/train_full.json", 67}, {"aci-bench/valid_full.json", 20}};
    for (const auto& [rel, n] : files) {
        const auto encs = import_file(rel);
        EXPECT_EQ(encs.size(), n) << rel;
        std::set<std::string> ids;
        for (const auto& e : encs) {
            EXPECT_FALSE(e.turns.empty()) << e.id;
            EXPECT_FALSE(encounter_reference(e).empty()) << e.id;
            EXPECT_TRUE(ids.insert(e.id).second) << "duplicate " << e.id;
        }
    }
}

TEST(Import, TurnsMatchTheReferenceSegmentation) {
    // tools/make_data_golden.py segments every dialogue with an explicit speaker table and
    // records turn counts and a hash of "Speaker: text" lines per row.
    REQUIRE_SHARED_DATA();
    std::ifstream in(source_dir() + "/tests/golden/data/transcripts.json");
    ASSERT_TRUE(in) << "run tools/make_data_golden.py";
    const auto golden = nlohmann::json::parse(in);
    for (const auto& [rel, want] : golden.items()) {
        const auto encs = import_file(rel);
        ASSERT_EQ(encs.size(), want["rows"].get<size_t>()) << rel;
        std::map<std::string, size_t> speakers;
        for (size_t i = 0; i < encs.size(); i++) {
            EXPECT_EQ(encs[i].turns.size(), want["turns"][i].get<size_t>()) << rel << " row " << i;
            EXPECT_EQ(hex16(fnv1a(encounter_transcript(encs[i]))), want["fnv"][i].get<std::string>())
                << rel << " row " << i;
            for (const auto& t : encs[i].turns) speakers[t.speaker]++;
        }
        EXPECT_EQ(nlohmann::json(speakers), want["speakers"]) << rel;
    }
}

TEST(Import, MtsRowsAreSectionLevel) {
    REQUIRE_SHARED_DATA();
    const auto encs = import_file("mts-dialog/valid.csv");
    const encounter& e = encs[0];
    EXPECT_EQ(e.id, "mts-valid-0");
    EXPECT_TRUE(encounter_is_section_level(e));
    EXPECT_FALSE(e.sections[0].key.empty());
    EXPECT_EQ(e.source, "mts-dialog");
    for (const auto& x : encs) EXPECT_FALSE(x.sections[0].key.empty()) << x.sections[0].header;
}

TEST(Import, AciFullNotesSplitIntoKnownSections) {
    REQUIRE_SHARED_DATA();
    for (const char* rel : {"aci-bench/train.csv", "aci-bench/valid.csv"}) {
        for (const auto& e : import_file(rel)) {
            EXPECT_FALSE(encounter_is_section_level(e));
            EXPECT_GE(e.sections.size(), 3u) << e.id;
            for (const auto& s : e.sections) EXPECT_FALSE(s.key.empty()) << e.id << " header '" << s.header << "'";
            EXPECT_TRUE(e.metadata.contains("cc")) << e.id;  // from <split>_metadata.csv
        }
    }
}

TEST(Import, AciJsonAgreesWithCsv) {
    REQUIRE_SHARED_DATA();
    const auto csv = import_file("aci-bench/valid.csv");
    const auto json = import_file("aci-bench/valid_full.json");
    ASSERT_EQ(csv.size(), json.size());
    for (size_t i = 0; i < csv.size(); i++) {
        EXPECT_EQ(csv[i].id, json[i].id);
        EXPECT_EQ(csv[i].metadata["dataset"], json[i].metadata["dataset"]);
        EXPECT_EQ(csv[i].turns.size(), json[i].turns.size()) << csv[i].id;
    }
}

TEST(Import, AsrVariantsGroupWithTheirEncounter) {
    REQUIRE_SHARED_DATA();
    std::set<std::string> main_groups;
    for (const auto& e : import_file("aci-bench/valid.csv")) main_groups.insert(e.group);
    for (const char* rel : {"aci-bench/valid_aci_asr.csv", "aci-bench/valid_aci_asrcorr.csv",
                            "aci-bench/valid_virtscribe_asr.csv", "aci-bench/valid_virtscribe_humantrans.csv"}) {
        const auto encs = import_file(rel);
        EXPECT_FALSE(encs.empty());
        for (const auto& e : encs) {
            EXPECT_TRUE(main_groups.count(e.group)) << rel << " " << e.id << " group " << e.group;
            EXPECT_NE(e.id, e.group);
        }
    }
}

TEST(Import, StoreRoundTrip) {
    REQUIRE_SHARED_DATA();
    auto encs = import_file("aci-bench/valid.csv");
    const auto mts = import_file("mts-dialog/valid.csv");
    encs.insert(encs.end(), mts.begin(), mts.end());
    const std::string path = ::testing::TempDir() + "encounters.jsonl";
    encounters_write(path, encs);
    const auto back = encounters_read(path);
    ASSERT_EQ(back.size(), encs.size());
    for (size_t i = 0; i < encs.size(); i++)
        EXPECT_EQ(encounter_to_json(back[i]).dump(), encounter_to_json(encs[i]).dump());
}

TEST(Import, PrimockTextGridAndTextTranscripts) {
    const std::string dir = source_dir() + "/tests/golden/data/primock";
    import_report r;
    const auto encs = import_any(dir, "auto", {}, r);
    ASSERT_EQ(encs.size(), 2u);
    const encounter& tg = encs[0];  // day1_consultation01: TextGrid pair
    EXPECT_EQ(tg.id, "primock-day1_consultation01");
    ASSERT_EQ(tg.turns.size(), 4u);
    EXPECT_EQ(tg.turns[0].speaker, "Doctor");
    EXPECT_EQ(tg.turns[0].text, "Hello, how can I help you this morning?");
    EXPECT_EQ(tg.turns[1].speaker, "Patient");
    EXPECT_EQ(tg.turns[1].text, "I've had \"really bad\" diarrhea for three days.");
    EXPECT_EQ(tg.turns[2].text, "Any blood in your stools?");
    EXPECT_EQ(tg.turns[3].text, "No.");
    EXPECT_EQ(tg.metadata["presenting_complaint"], "Diarrhea for 3 days");
    EXPECT_NE(tg.note.find("gastroenteritis"), std::string::npos);
    const encounter& txt = encs[1];  // day1_consultation02: joined .txt transcript
    ASSERT_EQ(txt.turns.size(), 2u);
    EXPECT_EQ(txt.turns[1].speaker, "Patient");
}

TEST(Import, GenericJsonl) {
    const std::string path = write_temp("generic.jsonl",
                                        "{\"id\":\"a\",\"transcript\":\"Doctor: Hi.\\nPatient: Cough.\",\"note\":\"PLAN\\n\\nRest.\"}\n"
                                        "\n"
                                        "{\"id\":\"b\",\"turns\":[{\"speaker\":\"Doctor\",\"text\":\"Hi\"}],\"note\":\"x\"}\n");
    import_report r;
    const auto encs = import_any(path, "auto", {}, r);
    ASSERT_EQ(encs.size(), 2u);
    EXPECT_EQ(encs[0].turns.size(), 2u);
    EXPECT_EQ(encs[0].sections[0].key, "plan");
    EXPECT_EQ(encs[1].group, "b");
}

// A number too large for a double is nlohmann's out_of_range, not a parse_error (found by
// fuzz/hf_config): it must still be one error naming the file and line, not an abort.
TEST(Import, JsonlNumberOutOfRangeNamesFileAndLine) {
    const std::string path = write_temp("overflow.jsonl",
                                        "{\"id\":\"a\",\"transcript\":\"Doctor: Hi.\",\"note\":\"x\"}\n"
                                        "{\"id\":\"b\",\"age\":2E2222222,\"transcript\":\"Doctor: Hi.\",\"note\":\"x\"}\n");
    const std::string err = error_of([&] {
        import_report r;
        import_any(path, "auto", {}, r);
    });
    EXPECT_EQ(err.rfind(path + ":2: not valid JSON: ", 0), 0u) << err;
    EXPECT_NE(err.find("number overflow"), std::string::npos) << err;
}

TEST(Import, NonUtf8NamesFileAndByteOffset) {
    const std::string path = write_temp("latin1.csv", "ID,section_header,section_text,dialogue\n0,CC,caf\xE9,x\n");
    EXPECT_EQ(error_of([&] {
                  import_report r;
                  import_any(path, "auto", {}, r);
              }),
              path + ": not valid UTF-8 (byte offset 48)");
}

TEST(Import, MalformedRowsSkipOrFailWithFileAndLine) {
    const std::string path = write_temp("bad.csv",
                                        "ID,section_header,section_text,dialogue\n"
                                        "0,CC,Cough.,\"Doctor: Why?\nPatient: Cough.\"\n"
                                        "1,CC,too,many,fields\n"
                                        "2,NOTAHEADER,x,Doctor: hi\n"
                                        "3,CC,Fever.,\"   \"\n"
                                        "4,CC,,Doctor: hi\n"
                                        "5,ROS,Negative.,Doctor: Any pain?\n");
    import_options skip{on_error::skip};
    import_report r;
    const auto encs = import_any(path, "mts-dialog", skip, r);
    ASSERT_EQ(encs.size(), 2u);
    EXPECT_EQ(r.read, 6u);
    EXPECT_EQ(r.skipped, 4u);
    ASSERT_EQ(r.problems.size(), 4u);
    EXPECT_EQ(r.problems[0], path + ":4: expected 4 fields, found 5");
    EXPECT_EQ(r.problems[1], path + ":5: unknown section header 'NOTAHEADER'");
    EXPECT_EQ(r.problems[2], path + ":6: empty transcript (no dialogue turns)");
    EXPECT_EQ(r.problems[3], path + ":7: empty note section 'CC'");

    const std::string msg = error_of([&] {
        import_report r2;
        import_any(path, "mts-dialog", {on_error::fail}, r2);
    });
    EXPECT_EQ(msg.rfind(path + ":4: expected 4 fields, found 5", 0), 0u) << msg;
}

TEST(Import, FormatAndPathErrors) {
    EXPECT_NE(error_of([] {
                  import_report r;
                  import_any(write_temp("x.csv", "a,b\n1,2\n"), "auto", {}, r);
              }).find("CSV header 'a,b' is neither MTS-Dialog"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  import_report r;
                  import_any(write_temp("y.csv", "a\n"), "parquet", {}, r);
              }).find("--format parquet: unknown format; known: auto, mts-dialog"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  import_report r;
                  import_any("/nonexistent/file.csv", "auto", {}, r);
              }).find("no such file"),
              std::string::npos);
}

TEST(Import, DuplicateIdsAcrossInputs) {
    REQUIRE_SHARED_DATA();
    std::vector<encounter> all;
    import_report r;
    encounters_append_unique(all, import_file("aci-bench/valid.csv"), {on_error::skip}, r);
    encounters_append_unique(all, import_file("aci-bench/valid_full.json"), {on_error::skip}, r);
    EXPECT_EQ(all.size(), 20u);
    EXPECT_EQ(r.skipped, 20u);
    EXPECT_THROW(encounters_append_unique(all, import_file("aci-bench/valid.csv"), {on_error::fail}, r), error);
}
