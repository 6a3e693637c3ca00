// Report pieces with known answers: base64 (RFC 4648 test vectors), bootstrap intervals, and
// the files a report folder holds.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/file.h"
#include "eval/bootstrap.h"
#include "eval/eval_report.h"

using namespace clinote;

TEST(EvalReport, Base64Rfc4648Vectors) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(EvalReport, BootstrapIntervals) {
    const mean_ci constant = bootstrap_mean({2, 2, 2, 2});
    EXPECT_DOUBLE_EQ(constant.mean, 2);
    EXPECT_DOUBLE_EQ(constant.lo, 2);
    EXPECT_DOUBLE_EQ(constant.hi, 2);
    std::vector<double> v;
    for (int i = 0; i < 400; i++) v.push_back(i % 2);  // mean 0.5, standard error 0.025
    const mean_ci c = bootstrap_mean(v);
    EXPECT_DOUBLE_EQ(c.mean, 0.5);
    EXPECT_NEAR(c.lo, 0.5 - 1.96 * 0.025, 0.012);
    EXPECT_NEAR(c.hi, 0.5 + 1.96 * 0.025, 0.012);
    // A constant paired shift has a zero-width interval at the shift.
    const mean_ci d = bootstrap_paired_delta({1, 5, 3}, {2, 6, 4});
    EXPECT_DOUBLE_EQ(d.lo, 1);
    EXPECT_DOUBLE_EQ(d.hi, 1);
}

TEST(EvalReport, WritesEveryFileWithPlotsInlined) {
    eval_report_input in;
    for (const char* name : {"base", "candidate"}) {
        eval_system s{name, std::string(name) + ".gguf", {}};
        for (int i = 0; i < 5; i++) {
            eval_example e;
            e.id = "e" + std::to_string(i);
            e.reference = "ref <b>";
            e.generated = "gen";
            e.metrics["rougeL"] = 0.1 * i + (s.name == "candidate" ? 0.05 : 0);
            e.metrics["unsupported_facts"] = i;
            s.examples.push_back(e);
        }
        in.systems.push_back(s);
    }
    const std::string dir = (std::filesystem::temp_directory_path() / ("clinote_report_" + std::to_string(::getpid()))).string();
    const std::string run = dir + "_run";
    std::filesystem::create_directories(run);
    {
        std::ofstream log(run + "/log.jsonl");
        log << "{\"step\": 1, \"loss\": 3.0}\n{\"step\": 2, \"loss\": 2.5}\n{\"step\": 2, \"val_loss\": 2.7}\n";
    }
    in.train_run_dir = run;
    eval_report_write(in, dir);
    const nlohmann::json summary = nlohmann::json::parse(file_read(dir + "/summary.json"));
    EXPECT_NEAR(summary["systems"]["base"]["metrics"]["rougeL"]["mean"].get<double>(), 0.2, 1e-12);
    EXPECT_NEAR(summary["deltas"]["rougeL"]["mean"].get<double>(), 0.05, 1e-12);
    EXPECT_NEAR(summary["deltas"]["rougeL"]["lo"].get<double>(), 0.05, 1e-12);
    const std::string html = file_read(dir + "/report.html");
    EXPECT_NE(html.find("data:image/png;base64,iVBORw0KGgo"), std::string::npos);  // the PNG signature, inlined
    EXPECT_NE(html.find("ref &lt;b&gt;"), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(dir + "/plots/loss.png"));
    EXPECT_TRUE(std::filesystem::exists(dir + "/report.md"));
    size_t lines = 0;
    for (char c : file_read(dir + "/examples.jsonl")) lines += c == '\n';
    EXPECT_EQ(lines, 10u);
    std::filesystem::remove_all(dir);
    std::filesystem::remove_all(run);
}
