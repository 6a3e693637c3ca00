// clinote eval end to end on the default model: two tiny synthetic encounters (one full note,
// one section-level), a few tokens each, judged by a fake OpenAI-compatible endpoint that
// answers garbage for the first note's every attempt and a valid rubric for the second.
// And base vs adapter on stories260K (given a chat template): a tiny adapter trained by
// clinote train; each system's notes equal what clinote generate writes with and without it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "../clinote_cli.h"
#include "core/file.h"
#include "core/paths.h"
#include "eval/fake_openai.h"
#include "io/gguf.h"

using namespace clinote;
namespace fs = std::filesystem;

namespace {

// Runs clinote with these arguments; stdout (and stderr) land in files under dir.
int clinote_run(const fs::path& dir, const std::string& args, const std::string& out_name = "stdout.txt") {
    const std::string cmd = "'" + test::clinote_binary() + "' " + args + " >'" + (dir / out_name).string() + "' 2>'" +
                            (dir / "stderr.txt").string() + "'";
    const int raw = std::system(cmd.c_str());
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

// stories260K.gguf plus a ChatML template, so that chat prompts work on a model that runs in seconds.
std::string stories_chat_model(const fs::path& dir) {
    const gguf_file src = gguf_open(shared_dir() + "/models/stories260k/stories260K.gguf");
    std::map<std::string, gguf_value> meta = src.metadata;
    meta["tokenizer.chat_template"] = gguf_string(
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
    std::vector<gguf_writer_tensor> tensors;
    for (const tensor_view& t : src.tensors) tensors.push_back({t.name, t.type, t.shape, t.data, t.nbytes});
    const std::string path = (dir / "stories-chat.gguf").string();
    gguf_write(path, meta, tensors);
    return path;
}

nlohmann::json chat_line(const std::string& user, const std::string& answer) {
    return {{"messages",
             {{{"role", "system"}, {"content", "Tell a story."}},
              {{"role", "user"}, {"content", user}},
              {{"role", "assistant"}, {"content", answer}}}}};
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
    if (!fs::exists(test::clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    const fs::path dir = fs::temp_directory_path() / ("clinote_eval_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    { std::ofstream(dir / "test.jsonl") << encounters; }
    const std::string good =
        "{\"accuracy\": 2, \"completeness\": 1, \"hallucination\": 3, \"organization\": 2, \"clarity\": 3, "
        "\"conciseness\": 4, \"clinical_usefulness\": 1, \"safety\": 3}";
    fake_endpoint judge({"not json", "not json", good});  // note 1: two garbage answers (1 retry) -> failure
    const std::string cmd = "'" + test::clinote_binary() + "' eval -m '" + model + "' --data '" + (dir / "test.jsonl").string() +
                            "' --out '" + (dir / "report").string() + "' --adapter none --limit 2 -n 6 --ctx 1024 --judge-retries 1" +
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
    if (!fs::exists(test::clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    const fs::path dir = fs::temp_directory_path() / ("clinote_eval_bad_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    { std::ofstream(dir / "bad.jsonl") << encounters << "{not json\n"; }
    const std::string cmd = "'" + test::clinote_binary() + "' eval -m /nonexistent.gguf --data '" + (dir / "bad.jsonl").string() +
                            "' --out '" + (dir / "r").string() + "' 2>'" + (dir / "err.txt").string() + "'";
    EXPECT_NE(std::system(cmd.c_str()), 0);
    EXPECT_NE(file_read((dir / "err.txt").string()).find("bad.jsonl:3: not valid JSON"), std::string::npos)
        << file_read((dir / "err.txt").string());
    fs::remove_all(dir);
}

TEST(EvalCli, AdapterAgainstBaseEqualsGenerate) {
    if (!fs::exists(shared_dir() + "/models/stories260k/stories260K.gguf")) GTEST_SKIP() << "no stories260K";
    if (!fs::exists(test::clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    const fs::path dir = fs::temp_directory_path() / ("clinote_eval_adapter_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "data");
    const std::string model = stories_chat_model(dir);
    const std::vector<std::pair<std::string, std::string>> stories = {
        {"Lily and the cat", "Lily saw a big cat. The cat was happy. They played in the park all day."},
        {"Tom and the ball", "Tom had a red ball. He threw it high. His dog ran to get the ball."},
        {"The little bird", "A little bird sat on a tree. It sang a song. The sun was warm and bright."},
        {"Ben and the boat", "Ben made a small boat. He put it in the water. The boat went far away."}};
    {
        std::ofstream train(dir / "data/train.jsonl"), valid(dir / "data/valid.jsonl"), test(dir / "test.jsonl");
        for (const auto& [user, answer] : stories) train << chat_line(user, answer).dump() << "\n";
        valid << chat_line(stories[0].first, stories[0].second).dump() << "\n";
        for (size_t i = 0; i < 2; i++) test << chat_line(stories[i].first, stories[i].second).dump() << "\n";
    }
    // A tiny adapter with a large learning rate, so that it changes what the model writes.
    ASSERT_EQ(clinote_run(dir, "train -m " + test::shell_quote(model) + " --data " + test::shell_quote((dir / "data").string()) + " --out " +
                                   test::shell_quote((dir / "run").string()) +
                                   " --max-steps 6 --lr 0.05 --lora-r 4 --lora-alpha 8 --batch 2 --eval-every 0 -t 1"),
              0)
        << file_read((dir / "stderr.txt").string());
    const std::string adapter = (dir / "run/last").string();
    // The same decoding for eval and generate (eval's default note guard is off in generate).
    const std::string gen = " -n 16 --ctx 512 -t 1 --dry-multiplier 0";
    ASSERT_EQ(clinote_run(dir, "eval -m " + test::shell_quote(model) + " --adapter " + test::shell_quote(adapter) + " --data " +
                                   test::shell_quote((dir / "test.jsonl").string()) + " --out " + test::shell_quote((dir / "report").string()) +
                                   " --no-embedding" + gen),
              0)
        << file_read((dir / "stderr.txt").string());

    std::map<std::string, std::vector<std::string>> generated;  // system -> notes in order
    std::ifstream lines(dir / "report/examples.jsonl");
    for (std::string line; std::getline(lines, line);) {
        const nlohmann::json j = nlohmann::json::parse(line);
        generated[j["system"].get<std::string>()].push_back(j["generated"].get<std::string>());
    }
    ASSERT_EQ(generated["base"].size(), 2u);
    ASSERT_EQ(generated["candidate"].size(), 2u);
    bool adapter_changed_a_note = false;
    for (size_t i = 0; i < 2; i++) {
        const std::string common = "generate -m " + test::shell_quote(model) + " --system 'Tell a story.' -p " +
                                   test::shell_quote(stories[i].first) + gen;
        ASSERT_EQ(clinote_run(dir, common, "base.txt"), 0) << file_read((dir / "stderr.txt").string());
        ASSERT_EQ(clinote_run(dir, common + " --adapter " + test::shell_quote(adapter), "adapter.txt"), 0)
            << file_read((dir / "stderr.txt").string());
        // generate ends its streamed answer with a newline.
        EXPECT_EQ(file_read((dir / "base.txt").string()), generated["base"][i] + "\n") << "note " << i;
        EXPECT_EQ(file_read((dir / "adapter.txt").string()), generated["candidate"][i] + "\n") << "note " << i;
        adapter_changed_a_note |= generated["base"][i] != generated["candidate"][i];
    }
    EXPECT_TRUE(adapter_changed_a_note) << "the adapter left every note as the base model wrote it";

    const nlohmann::json summary = nlohmann::json::parse(file_read((dir / "report/summary.json").string()));
    EXPECT_EQ(summary["systems"]["base"]["metrics"]["rougeL"]["n"], 2);
    EXPECT_EQ(summary["systems"]["candidate"]["metrics"]["rougeL"]["n"], 2);
    EXPECT_NE(summary["systems"]["candidate"]["description"].get<std::string>().find("adapter"), std::string::npos);
    EXPECT_EQ(summary["deltas"]["rougeL"]["n"], 2);
    EXPECT_NEAR(summary["deltas"]["rougeL"]["mean"].get<double>(),
                summary["systems"]["candidate"]["metrics"]["rougeL"]["mean"].get<double>() -
                    summary["systems"]["base"]["metrics"]["rougeL"]["mean"].get<double>(),
                1e-12);
    EXPECT_NE(file_read((dir / "report/report.md").string()).find("candidate - base"), std::string::npos);

    // A base-only report reused as the base: the same two systems, without generating the base again.
    const std::string data = " --data " + test::shell_quote((dir / "test.jsonl").string()) + " --no-embedding" + gen;
    ASSERT_EQ(clinote_run(dir, "eval -m " + test::shell_quote(model) + data + " --out " + test::shell_quote((dir / "base-only").string())), 0)
        << file_read((dir / "stderr.txt").string());
    ASSERT_EQ(clinote_run(dir, "eval -m " + test::shell_quote(model) + " --adapter " + test::shell_quote(adapter) + " --baseline-report " +
                                   test::shell_quote((dir / "base-only").string()) + data + " --out " +
                                   test::shell_quote((dir / "reused").string())),
              0)
        << file_read((dir / "stderr.txt").string());
    const nlohmann::json reused = nlohmann::json::parse(file_read((dir / "reused/summary.json").string()));
    for (const char* system : {"base", "candidate"})
        for (const char* metric : {"rouge1", "rougeL", "unsupported_facts"})
            EXPECT_EQ(reused["systems"][system]["metrics"][metric]["mean"], summary["systems"][system]["metrics"][metric]["mean"])
                << system << " " << metric;
    EXPECT_EQ(reused["deltas"]["rougeL"], summary["deltas"]["rougeL"]);
    // ... but only from a report made with the same settings.
    EXPECT_NE(clinote_run(dir, "eval -m " + test::shell_quote(model) + " --adapter " + test::shell_quote(adapter) + " --baseline-report " +
                                   test::shell_quote((dir / "base-only").string()) + " --data " +
                                   test::shell_quote((dir / "test.jsonl").string()) + " --no-embedding -n 8 --ctx 512 -t 1 --out " +
                                   test::shell_quote((dir / "r3").string())),
              0);
    EXPECT_NE(file_read((dir / "stderr.txt").string()).find("settings.max_tokens is 16, this run's is 8"), std::string::npos)
        << file_read((dir / "stderr.txt").string());

    // The same adapter on both sides compares nothing.
    EXPECT_NE(clinote_run(dir, "eval -m " + test::shell_quote(model) + " --adapter " + test::shell_quote(adapter) + " --baseline-adapter " +
                                   test::shell_quote(adapter) + " --data " + test::shell_quote((dir / "test.jsonl").string()) + " --out " +
                                   test::shell_quote((dir / "r2").string()) + gen),
              0);
    EXPECT_NE(file_read((dir / "stderr.txt").string()).find("--baseline-adapter: the baseline is the same"),
              std::string::npos)
        << file_read((dir / "stderr.txt").string());
    fs::remove_all(dir);
}

// A visit too long for the context stops the run before the first note, naming every such
// item, instead of after hours of generating the ones before it.
TEST(EvalCli, PromptsThatDoNotFitAreNamedBeforeGenerating) {
    if (!fs::exists(test::clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    const fs::path dir = fs::temp_directory_path() / ("clinote_eval_long_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string model = stories_chat_model(dir);
    std::string long_visit;
    for (int i = 0; i < 60; i++) long_visit += "The little dog ran to the park and played. ";
    {
        std::ofstream out(dir / "test.jsonl");
        out << chat_line("A cat.", "The cat sat.").dump() << "\n";
        nlohmann::json long_line = chat_line(long_visit, "The dog played.");
        long_line["id"] = "long-visit";
        out << long_line.dump() << "\n";
        out << chat_line("A bird.", "The bird sang.").dump() << "\n";
    }
    EXPECT_NE(clinote_run(dir, "eval -m " + test::shell_quote(model) + " --data " + test::shell_quote((dir / "test.jsonl").string()) +
                                   " --no-embedding -n 8 --ctx 128 -t 1 --out " + test::shell_quote((dir / "r").string())),
              0);
    const std::string err = file_read((dir / "stderr.txt").string());
    EXPECT_NE(err.find("test.jsonl: 1 of 3 prompts plus --max-tokens do not fit --ctx 128: long-visit ("),
              std::string::npos)
        << err;
    EXPECT_FALSE(fs::exists(dir / "r"));
    fs::remove_all(dir);
}

// --json: constrained summaries always parse and conform (the grammar), and field scores are
// given exactly for the lines that carry a reference "summary"; stories260K left to itself
// writes stories, never JSON. A chat-export line is refused with its file and line.
TEST(EvalCli, JsonModeScoresParseRateAndFields) {
    if (!fs::exists(shared_dir() + "/models/stories260k/stories260K.gguf")) GTEST_SKIP() << "no stories260K";
    if (!fs::exists(test::clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    const fs::path dir = fs::temp_directory_path() / ("clinote_eval_json_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string model = stories_chat_model(dir);
    {
        std::istringstream in(encounters);
        std::ofstream out(dir / "test.jsonl");
        std::string line;
        for (int i = 0; std::getline(in, line); i++) {
            nlohmann::json j = nlohmann::json::parse(line);
            if (i == 1) j["summary"] = {{"medications", {{{"name", "metformin"}, {"dose", "500 mg"}}}}};
            out << j.dump() << "\n";
        }
    }
    const std::string common = "eval -m " + test::shell_quote(model) + " --data " + test::shell_quote((dir / "test.jsonl").string()) +
                               " -n 48 --ctx 512 -t 1 --out ";
    for (const char* mode : {"--json", "--json-unconstrained"}) {
        const std::string out = (dir / mode).string();
        ASSERT_EQ(clinote_run(dir, common + test::shell_quote(out) + " " + mode), 0) << file_read((dir / "stderr.txt").string());
        const nlohmann::json summary = nlohmann::json::parse(file_read(out + "/summary.json"));
        const auto& m = summary["systems"]["model"]["metrics"];
        const double expected = std::string(mode) == "--json" ? 1.0 : 0.0;
        EXPECT_EQ(m["json_parsed"]["n"], 2) << mode;
        EXPECT_EQ(m["json_parsed"]["mean"].get<double>(), expected) << mode;
        EXPECT_EQ(m["json_schema_valid"]["mean"].get<double>(), expected) << mode;
        EXPECT_FALSE(m.contains("rougeL")) << mode;
        if (expected == 1.0) EXPECT_EQ(m["json_field_f1"]["n"], 1);  // only the line with a summary
        else EXPECT_FALSE(m.contains("json_field_f1"));
    }
    { std::ofstream(dir / "chat.jsonl") << chat_line("A cat.", "The cat sat.").dump() << "\n"; }
    EXPECT_NE(clinote_run(dir, "eval -m " + test::shell_quote(model) + " --json --data " + test::shell_quote((dir / "chat.jsonl").string()) +
                                   " --out " + test::shell_quote((dir / "r").string())),
              0);
    EXPECT_NE(file_read((dir / "stderr.txt").string()).find("chat.jsonl:1: --json needs encounters"), std::string::npos)
        << file_read((dir / "stderr.txt").string());
    fs::remove_all(dir);
}
