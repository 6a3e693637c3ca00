#include <gtest/gtest.h>

#include <fstream>

#include "core/file.h"
#include "core/paths.h"
#include "data/csv.h"
#include "data/import.h"
#include "test_util.h"

using namespace clinote;

TEST(Csv, TrickyFileMatchesPythonCsv) {
    const std::string dir = source_dir() + "/tests/golden/data/";
    const auto records = csv_parse(file_read_text(dir + "tricky.csv"));
    std::ifstream in(dir + "tricky.json");
    const auto want = nlohmann::json::parse(in);
    ASSERT_EQ(records.size(), want.size());
    for (size_t i = 0; i < records.size(); i++) {
        EXPECT_TRUE(records[i].error.empty()) << i;
        EXPECT_EQ(nlohmann::json(records[i].fields), want[i]) << "record " << i;
    }
    EXPECT_EQ(records[1].line, 2u);
    EXPECT_EQ(records[2].line, 4u);  // record 1 spans lines 2-3
    EXPECT_EQ(records[3].line, 6u);  // after a blank line
}

TEST(Csv, KnownAnswers) {
    auto one = [](const std::string& s) {
        const auto r = csv_parse(s);
        EXPECT_EQ(r.size(), 1u) << s;
        return r.empty() ? std::vector<std::string>{} : r[0].fields;
    };
    EXPECT_EQ(one("a,b,c"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(one("\xEF\xBB\xBFid,x\r\n"), (std::vector<std::string>{"id", "x"}));
    EXPECT_EQ(one(",,"), (std::vector<std::string>{"", "", ""}));
    EXPECT_EQ(one("\"a,\"\"b\"\"\nc\",d"), (std::vector<std::string>{"a,\"b\"\nc", "d"}));
    EXPECT_EQ(one("x,"), (std::vector<std::string>{"x", ""}));
    EXPECT_TRUE(csv_parse("").empty());
    EXPECT_TRUE(csv_parse("\n\r\n").empty());
    const auto cr = csv_parse("a\rb\r");  // old Mac line ends, as Python reads them
    ASSERT_EQ(cr.size(), 2u);
    EXPECT_EQ(cr[1].fields[0], "b");
    EXPECT_EQ(cr[1].line, 2u);
}

TEST(Csv, MalformedRecordsAreFlaggedAndReadingGoesOn) {
    const auto r = csv_parse("id,t\n1,\"ok\"x,y\n2,fine\n3,\"never closed\n4,z\n");
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[1].error, "unexpected text after a closing quote");
    EXPECT_EQ(r[1].line, 2u);
    EXPECT_TRUE(r[2].error.empty());
    EXPECT_EQ(r[2].fields, (std::vector<std::string>{"2", "fine"}));
    EXPECT_EQ(r[3].line, 4u);
    EXPECT_EQ(r[3].error, "quoted field opened on line 4 is never closed");
}

TEST(Csv, RealDatasetsMatchPythonCsvFieldByField) {
    REQUIRE_SHARED_DATA();
    std::ifstream in(source_dir() + "/tests/golden/data/csv_fields.json");
    ASSERT_TRUE(in) << "run tools/make_data_golden.py";
    const auto golden = nlohmann::json::parse(in);
    EXPECT_GE(golden.size(), 10u);
    for (const auto& [name, want] : golden.items()) {
        const auto records = csv_parse(file_read_text(shared_data(name)));
        ASSERT_EQ(records.size(), want["records"].get<size_t>()) << name;
        for (size_t i = 0; i < records.size(); i++) {
            ASSERT_TRUE(records[i].error.empty()) << name << " record " << i;
            std::vector<size_t> lengths;
            for (const auto& f : records[i].fields) lengths.push_back(f.size());
            ASSERT_EQ(nlohmann::json(lengths), want["lengths"][i]) << name << " record " << i;
        }
    }
}
