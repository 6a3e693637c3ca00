// clinote eval end to end on the default model: two tiny synthetic encounters (one full note,
// one section-level), a few tokens each, judged by a fake OpenAI-compatible endpoint that
// answers garbage for the first note's every attempt and a valid rubric for the second.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/file.h"
#include "core/paths.h"
#include "eval/fake_openai.h"

using namespace clinote;
namespace fs = std::filesystem;

namespace {

std::string clinote_binary() {
    return (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "clinote").string();
}

const char* encounters =
    R"({"id": "full-1", "turns": [{"speaker": "Doctor", "text": "What brings you in today?"}, )"
    R"({"speaker": "Patient", "text": "My left knee has hurt for two weeks since I fell."}], )"
    R"("note": "CHIEF COMPLAINT\n\nLeft knee pain.\n\nHISTORY OF PRESENT ILLNESS\n\nTwo weeks of left knee pain after a fall."})"
    "\n"
    R"({"id": "section-1", "turns": [{"speaker": "Doctor", "text": "Do you take any medicines?"}, )"
    R"({"speaker": "Patient", "text": "Metformin 500 mg twice a day."}], )"
    R"("sections": [{"header": "MEDICATIONS", "key": "medications", "text": "Metformin 500 mg twice daily."}]})"
    "\n";

}  // namespace

TEST(EvalCli, DefaultModelWritesTheReport) {
    const std::string model = source_dir() + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!fs::exists(model)) GTEST_SKIP() << model << " absent (scripts/setup.sh installs it)";
    if (!fs::exists(clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    const fs::path dir = fs::temp_directory_path() / ("clinote_eval_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    { std::ofstream(dir / "test.jsonl") << encounters; }
    const std::string good =
        "{\"accuracy\": 2, \"completeness\": 1, \"hallucination\": 3, \"organization\": 2, \"clarity\": 3, "
        "\"conciseness\": 4, \"clinical_usefulness\": 1, \"safety\": 3}";
    fake_endpoint judge({"not json", "not json", good});  // note 1: two garbage answers (1 retry) -> failure
    const std::string cmd = "'" + clinote_binary() + "' eval -m '" + model + "' --data '" + (dir / "test.jsonl").string() +
                            "' --out '" + (dir / "report").string() + "' --limit 2 -n 6 --ctx 1024 --judge-retries 1" +
                            " --judge-url http://127.0.0.1:" + std::to_string(judge.port) + "/v1 --judge-model fake" +
                            " 2>'" + (dir / "stderr.txt").string() + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << file_read((dir / "stderr.txt").string());

    const nlohmann::json summary = nlohmann::json::parse(file_read((dir / "report/summary.json").string()));
    const auto& m = summary["systems"]["model"]["metrics"];
    EXPECT_EQ(m["rougeL"]["n"], 2);
    EXPECT_EQ(m["unsupported_facts"]["n"], 2);
    EXPECT_EQ(m["judge_failed"]["mean"].get<double>(), 0.5);
    EXPECT_EQ(m["judge_total"]["n"], 1);  // the failure is not a score
    // (2 + 2*1 + 2*3 + 2 + 3 + 4 + 1 + 3) / 10
    EXPECT_DOUBLE_EQ(m["judge_total"]["mean"].get<double>(), 2.3);
    if (fs::exists(source_dir() + "/models/all-MiniLM-L6-v2/model.safetensors")) {
        EXPECT_EQ(m["bertscore_f1"]["n"], 2);
        EXPECT_NE(summary["settings"]["embedding_encoder"].get<std::string>().find("all-MiniLM-L6-v2"), std::string::npos);
    }
    std::vector<nlohmann::json> examples;
    std::ifstream lines(dir / "report/examples.jsonl");
    for (std::string line; std::getline(lines, line);) examples.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(examples.size(), 2u);
    EXPECT_EQ(examples[0]["id"], "full-1");
    EXPECT_EQ(examples[1]["reference"], "Metformin 500 mg twice daily.");
    EXPECT_LE(examples[0]["metrics"]["generated_tokens"].get<double>(), 6);
    EXPECT_EQ(examples[0]["details"]["judge"]["raw_answers"], nlohmann::json({"not json", "not json"}));
    EXPECT_TRUE(examples[1]["details"]["judge"]["ok"].get<bool>());
    const std::string html = file_read((dir / "report/report.html").string());
    EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
    fs::remove_all(dir);
}

TEST(EvalCli, BadDataLineNamesFileAndLine) {
    if (!fs::exists(clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    const fs::path dir = fs::temp_directory_path() / ("clinote_eval_bad_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    { std::ofstream(dir / "bad.jsonl") << encounters << "{not json\n"; }
    const std::string cmd = "'" + clinote_binary() + "' eval -m /nonexistent.gguf --data '" + (dir / "bad.jsonl").string() +
                            "' --out '" + (dir / "r").string() + "' 2>'" + (dir / "err.txt").string() + "'";
    EXPECT_NE(std::system(cmd.c_str()), 0);
    EXPECT_NE(file_read((dir / "err.txt").string()).find("bad.jsonl:3: not valid JSON"), std::string::npos)
        << file_read((dir / "err.txt").string());
    fs::remove_all(dir);
}
