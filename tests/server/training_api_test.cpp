// Training runs through the server over loopback: the run's losses equal trainer_run's on
// the same data and options (the independent reference), progress reports steps, history
// and ETA, the best adapter is served as "stories+NAME" with exactly generate()'s answer
// for that adapter file, a cancelled run stops early, bad data is a 400 naming the file.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/file.h"
#include "generate/chat_prompt.h"
#include "generate/generate.h"
#include "model/transformer.h"
#include "server_fixture.h"
#include "train/trainer.h"

namespace clinote {
namespace {

using test::running_server;

// A few prompt/completion rows: a tiny story the model is taught to continue.
void dataset_write(const std::string& dir) {
    std::filesystem::create_directories(dir);
    const char* rows[] = {R"({"prompt": "Tell me about Tim.", "completion": "Tim had a red ball. He liked to play."})",
                          R"({"prompt": "Tell me about Sue.", "completion": "Sue had a big dog. She liked to run."})",
                          R"({"prompt": "Tell me about Max.", "completion": "Max had a blue car. He liked to drive."})",
                          R"({"prompt": "Tell me about Lily.", "completion": "Lily had a small cat. She liked to sing."})"};
    std::ofstream train(dir + "/train.jsonl"), valid(dir + "/valid.jsonl");
    for (const char* r : rows) train << r << "\n";
    valid << rows[0] << "\n" << rows[2] << "\n";
}

nlohmann::json wait_until_finished(running_server& srv, int64_t id) {
    for (int i = 0; i < 6000; i++) {
        const nlohmann::json s = srv.get_json("/api/training/" + std::to_string(id));
        if (s["state"] != "queued" && s["state"] != "running") return s;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "training run " << id << " did not finish";
    return {};
}

const nlohmann::json k_options = {{"steps", 6},  {"eval_every", 3}, {"rank", 4},   {"alpha", 8},  {"dropout", 0.0},
                                  {"lr", 1e-2},  {"batch", 2},      {"max_seq", 64}, {"seed", 3}, {"schedule", "constant"}};

TEST(Training, RunLossesEqualTheTrainerAndTheBestAdapterIsServed) {
    test::temp_folder data;
    dataset_write(data.path + "/set");
    running_server srv;

    nlohmann::json body = k_options;
    body["dataset"] = data.path + "/set";
    body["adapter"] = "trained";
    const nlohmann::json started = srv.post_json("/api/training", body, 202);
    EXPECT_EQ(started["total_steps"], 6);
    const nlohmann::json s = wait_until_finished(srv, started["id"].get<int64_t>());
    ASSERT_EQ(s["state"], "done") << s;
    EXPECT_EQ(s["step"], 6);
    EXPECT_EQ(s["eta_s"], 0);

    // The reference: trainer_run itself on the same files and options.
    auto m = test::tiny_model();
    train_data_options dopt;
    dopt.max_seq = 64;
    const train_dataset ds = train_data_load(data.path + "/set", *m, dopt);
    lora_config lora;
    lora.rank = 4;
    lora.alpha = 8;
    lora.dropout = 0;
    trainer_options t;
    t.out_dir = data.path + "/reference";
    t.progress = false;
    t.max_steps = 6;
    t.eval_every = 3;
    t.lr = 1e-2f;
    t.schedule = lr_schedule::constant;
    t.batching.batch_size = 2;
    t.batching.max_seq = 64;
    t.seed = t.batching.seed = 3;
    t.base_bf16 = trainer_base_bf16_choose("auto", "matmul");  // the API's default, as the CLI's
    const trainer_result ref = trainer_run(*m, ds, lora, t);

    ASSERT_EQ(s["train_loss"].size(), ref.losses.size());
    for (size_t i = 0; i < ref.losses.size(); i++) {
        EXPECT_EQ(s["train_loss"][i][0], int64_t(i) + 1);
        EXPECT_NEAR(s["train_loss"][i][1].get<double>(), ref.losses[i], 1e-6 * std::max(1.0, ref.losses[i]));
    }
    ASSERT_EQ(s["val_loss"].size(), ref.val_losses.size());  // steps 0, 3, 6
    EXPECT_EQ(s["val_loss"][1][0], 3);
    EXPECT_NEAR(s["best_val_loss"].get<double>(), ref.best_val_loss, 1e-6);
    EXPECT_LT(ref.losses.back(), ref.losses.front()) << "a few steps at lr 1e-2 must lower the loss";
    EXPECT_EQ(s["result"]["model"], "stories+trained");

    // The run's best adapter is now served, and answers as generate() with that file does.
    const std::string best = s["adapter_path"].get<std::string>();
    EXPECT_EQ(best, s["out_dir"].get<std::string>() + "/best");
    bool listed = false;
    const nlohmann::json models = srv.get_json("/v1/models");
    for (const auto& e : models["data"]) listed = listed || e["id"] == "stories+trained";
    EXPECT_TRUE(listed);
    const nlohmann::json messages = {{{"role", "user"}, {"content", "Tell me about Tim."}}};
    lora_adapter a = lora_adapter_load(best, *m);
    inference_state st = inference_state_create(*m, 4096);
    st.adapter = &a;
    generate_params p;
    p.max_tokens = 16;
    p.sampling.temperature = 0;
    const std::string expected = generate(*m, st, chat_prompt_tokens(m->tok, messages, true), p).text;
    const nlohmann::json r = srv.post_json(
        "/v1/chat/completions",
        {{"model", "stories+trained"}, {"messages", messages}, {"max_tokens", 16}, {"temperature", 0}});
    EXPECT_EQ(r["choices"][0]["message"]["content"], expected);
    EXPECT_EQ(srv.get_json("/api/training")["data"].size(), 1u);
}

// The page's upload: the same files sent as text train exactly as the folder does, and an
// example longer than max_seq is named (file:line and its length) rather than only counted.
TEST(Training, UploadedFilesTrainAsTheFolderAndDroppedExamplesAreNamed) {
    test::temp_folder data;
    dataset_write(data.path + "/set");
    {
        std::ofstream train(data.path + "/set/train.jsonl", std::ios::app);
        train << R"({"prompt": "Tell me a long story.", "completion": ")" << std::string(600, 'a') << "\"}\n";
    }
    running_server srv;
    nlohmann::json folder = k_options;
    folder["dataset"] = data.path + "/set";
    const nlohmann::json a = wait_until_finished(srv, srv.post_json("/api/training", folder, 202)["id"].get<int64_t>());
    nlohmann::json upload = k_options;
    upload["train"] = file_read(data.path + "/set/train.jsonl");
    upload["valid"] = file_read(data.path + "/set/valid.jsonl");
    upload["train_name"] = "my-train.jsonl";
    const nlohmann::json b = wait_until_finished(srv, srv.post_json("/api/training", upload, 202)["id"].get<int64_t>());
    ASSERT_EQ(a["state"], "done") << a;
    ASSERT_EQ(b["state"], "done") << b;
    EXPECT_EQ(b["dataset"], "uploaded my-train.jsonl + valid.jsonl");
    EXPECT_EQ(a["train_loss"], b["train_loss"]);
    ASSERT_EQ(b["dropped"].size(), 1u) << b["dropped"];
    EXPECT_EQ(b["dropped"][0].get<std::string>().rfind("my-train.jsonl:5 (", 0), 0u) << b["dropped"];
    EXPECT_EQ(a["dropped"][0].get<std::string>().rfind("train.jsonl:5 (", 0), 0u) << a["dropped"];

    nlohmann::json bad = k_options;
    bad["train"] = "{\"prompt\": 1}\n";
    bad["valid"] = file_read(data.path + "/set/valid.jsonl");
    const nlohmann::json r = srv.post_json("/api/training", bad, 400);
    EXPECT_NE(r["error"]["message"].get<std::string>().find("train.jsonl:1"), std::string::npos) << r;
}

TEST(Training, CancelStopsTheRunAfterTheStepInProgress) {
    test::temp_folder data;
    dataset_write(data.path + "/set");
    running_server srv;
    nlohmann::json body = k_options;
    body["dataset"] = data.path + "/set";
    body["steps"] = 100000;
    body["eval_every"] = 0;
    const int64_t id = srv.post_json("/api/training", body, 202)["id"].get<int64_t>();
    const std::string path = "/api/training/" + std::to_string(id);
    for (int i = 0; i < 6000 && srv.get_json(path)["step"] == 0; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const nlohmann::json running = srv.get_json(path);
    EXPECT_EQ(running["state"], "running");
    EXPECT_TRUE(running["eta_s"].is_number());
    auto del = srv.client->Delete(path.c_str());
    ASSERT_TRUE(del);
    EXPECT_EQ(del->status, 200);
    const nlohmann::json s = wait_until_finished(srv, id);
    EXPECT_EQ(s["state"], "cancelled");
    EXPECT_LT(s["step"].get<int64_t>(), 100000);
    EXPECT_TRUE(s["result"]["cancelled"].get<bool>());
    // As on Ctrl-C: the checkpoint and the last adapter are written.
    EXPECT_TRUE(std::filesystem::exists(s["out_dir"].get<std::string>() + "/checkpoint/state.json"));
    EXPECT_TRUE(std::filesystem::exists(s["out_dir"].get<std::string>() + "/last/adapter_config.json"));
    EXPECT_EQ(s["adapter_path"], s["out_dir"].get<std::string>() + "/best");  // the step-0 validation's
}

TEST(Training, BadRequestsNameTheProblem) {
    test::temp_folder data;
    running_server srv;
    const nlohmann::json missing = srv.post_json("/api/training", {{"dataset", data.path + "/none"}}, 400);
    EXPECT_NE(missing["error"]["message"].get<std::string>().find(data.path + "/none"), std::string::npos) << missing;
    std::filesystem::create_directories(data.path + "/bad");
    std::ofstream(data.path + "/bad/train.jsonl") << "{\"prompt\": \"a\", \"completion\": \"b\"}\nnot json\n";
    std::ofstream(data.path + "/bad/valid.jsonl") << "{\"prompt\": \"a\", \"completion\": \"b\"}\n";
    const nlohmann::json bad = srv.post_json("/api/training", {{"dataset", data.path + "/bad"}}, 400);
    EXPECT_NE(bad["error"]["message"].get<std::string>().find("train.jsonl:2"), std::string::npos) << bad;
    dataset_write(data.path + "/set");
    const nlohmann::json steps = srv.post_json("/api/training", {{"dataset", data.path + "/set"}, {"steps", 0}}, 400);
    EXPECT_NE(steps["error"]["message"].get<std::string>().find("steps"), std::string::npos) << steps;
    srv.post_json("/api/training", {{"dataset", data.path + "/set"}, {"targets", {"nope"}}}, 400);
    const nlohmann::json matmul = srv.post_json("/api/training", {{"dataset", data.path + "/set"}, {"matmul", "fp8"}}, 400);
    EXPECT_NE(matmul["error"]["message"].get<std::string>().find("matmul"), std::string::npos) << matmul;
    srv.get_json("/api/training/99", 404);
    EXPECT_TRUE(srv.get_json("/api/training")["data"].empty());
}

}  // namespace
}  // namespace clinote
