// Several base models, one in memory: stories260K (F32, "stories") and the same model
// converted to Q4_0 as `clinote convert` writes it ("q4"), whose greedy answers differ.
// Each request must get exactly what generate() gives with its model loaded directly, in
// whatever order the requests come; a switch waits for the running job, whose answer is
// unchanged; the loaded-model report follows the swaps.
#include <atomic>
#include <thread>

#include "generate/generate.h"
#include "io/gguf_convert.h"
#include "model/transformer.h"
#include "server_fixture.h"
#include "train/lora_init.h"

namespace clinote {
namespace {

using test::running_server;

const std::string k_prompt = "Once upon a time there was a little dog";

struct two_bases {
    test::temp_folder dir;
    std::string q4 = dir.path + "/stories-q4.gguf";
    two_bases() { gguf_convert(shared_dir() + "/models/stories260k/stories260K.gguf", q4, dtype::q4_0); }
};

// What `clinote generate` gives: the model loaded on its own, greedy.
std::string reference(std::unique_ptr<model> m, int max_tokens) {
    inference_state st = inference_state_create(*m, 4096);
    generate_params p;
    p.max_tokens = max_tokens;
    p.sampling.temperature = 0;
    return generate(*m, st, tokenizer_encode(m->tok, k_prompt, true), p).text;
}

server_options options(const two_bases& files) {
    server_options opt;
    opt.models = {{"q4", files.q4}};
    return opt;
}

nlohmann::json completion(const std::string& model, int max_tokens) {
    return {{"model", model}, {"prompt", k_prompt}, {"max_tokens", max_tokens}, {"temperature", 0}};
}

std::string answer(running_server& srv, const std::string& model, int max_tokens) {
    const nlohmann::json r = srv.post_json("/v1/completions", completion(model, max_tokens));
    EXPECT_EQ(r["model"], model);
    return r["choices"][0]["text"].get<std::string>();
}

TEST(ModelSwitch, InterleavedRequestsEachGetTheirModelsAnswer) {
    const two_bases files;
    const std::string ref_a = reference(test::tiny_model(), 32);
    const std::string ref_b = reference(model_load(files.q4), 32);
    ASSERT_NE(ref_a, ref_b) << "the two bases must answer differently for this test to mean anything";

    running_server srv(options(files));
    nlohmann::json health = srv.get_json("/health");
    EXPECT_EQ(health["model"], "stories");
    EXPECT_EQ(health["models"]["switches"], 0);

    EXPECT_EQ(answer(srv, "stories", 32), ref_a);
    EXPECT_EQ(answer(srv, "q4", 32), ref_b);
    health = srv.get_json("/health");
    EXPECT_EQ(health["model"], "q4");
    EXPECT_EQ(health["models"]["switches"], 1);
    EXPECT_EQ(answer(srv, "stories", 32), ref_a);
    EXPECT_EQ(answer(srv, "stories", 32), ref_a);  // no swap for the model in memory
    EXPECT_EQ(srv.get_json("/api/model")["switches"], 2);
    EXPECT_EQ(srv.get_json("/api/model")["loaded"], "stories");

    const nlohmann::json models = srv.get_json("/v1/models");
    ASSERT_EQ(models["data"].size(), 2u) << models;
    EXPECT_EQ(models["data"][0]["id"], "stories");
    EXPECT_EQ(models["data"][0]["loaded"], true);
    EXPECT_EQ(models["data"][0]["default"], true);
    EXPECT_EQ(models["data"][1]["id"], "q4");
    EXPECT_EQ(models["data"][1]["loaded"], false);

    const std::string metrics = srv.client->Get("/metrics")->body;
    EXPECT_NE(metrics.find("clinote_model_switches_total 2\n"), std::string::npos) << metrics;
}

TEST(ModelSwitch, SwitchWaitsForTheRunningJob) {
    const two_bases files;
    const int long_tokens = 400;
    const std::string ref_long = reference(test::tiny_model(), long_tokens);
    const std::string ref_b = reference(model_load(files.q4), 24);
    running_server srv(options(files));

    // A streams on "stories"; once its first piece has arrived (it is running), B asks for q4.
    std::atomic<bool> running{false};
    std::string streamed;
    std::thread a([&] {
        httplib::Client c("127.0.0.1", server_port(*srv.s));
        c.set_read_timeout(120, 0);
        nlohmann::json body = completion("stories", long_tokens);
        body["stream"] = true;
        httplib::Request req;
        req.method = "POST";
        req.path = "/v1/completions";
        req.body = body.dump();
        req.set_header("Content-Type", "application/json");
        req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
            streamed.append(data, n);
            if (streamed.find("data: {") != std::string::npos) running = true;
            return true;
        };
        c.send(req);
        running = true;
    });
    while (!running) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(answer(srv, "q4", 24), ref_b);
    a.join();

    std::string text;
    for (const nlohmann::json& e : test::sse_events(streamed))
        if (e.is_object()) text += e["choices"][0]["text"].get<std::string>();
    EXPECT_EQ(text, ref_long);
    EXPECT_EQ(srv.get_json("/api/model")["loaded"], "q4");
}

TEST(ModelSwitch, DefaultBaseAndAdaptersBelongToTheirBase) {
    const two_bases files;
    running_server srv(options(files));

    // POST /api/model: the default changes and the model is loaded.
    nlohmann::json m = srv.post_json("/api/model", {{"name", "q4"}});
    EXPECT_EQ(m["loaded"], "q4");
    EXPECT_EQ(m["default"], "q4");
    EXPECT_EQ(m["switches"], 1);
    EXPECT_EQ(srv.post_json("/api/model", {{"name", "nope"}}, 404)["error"]["code"], "model_not_found");

    // An adapter made for stories260K, loaded for the "stories" base (the worker swaps back).
    const std::string adapter_dir = files.dir.path + "/adapter";
    {
        auto tiny = test::tiny_model();
        lora_config cfg;
        cfg.rank = 2;
        lora_adapter_save_peft(lora_adapter_create(*tiny, cfg, 1), *tiny, adapter_dir);
    }
    nlohmann::json loaded =
        srv.post_json("/api/adapters", {{"name", "tale"}, {"path", adapter_dir}, {"base", "stories"}}, 201);
    EXPECT_EQ(loaded["model"], "stories+tale");
    EXPECT_EQ(srv.get_json("/api/model")["loaded"], "stories");

    EXPECT_EQ(answer(srv, "stories+tale", 8).empty(), false);
    const nlohmann::json mismatch = srv.post_json("/v1/completions", completion("q4+tale", 8), 400);
    EXPECT_EQ(mismatch["error"]["code"], "adapter_base_mismatch");
    EXPECT_NE(mismatch["error"]["message"].get<std::string>().find("'stories'"), std::string::npos) << mismatch;
    EXPECT_EQ(srv.post_json("/v1/completions", completion("other", 8), 404)["error"]["code"], "model_not_found");

    const nlohmann::json models = srv.get_json("/v1/models");
    ASSERT_EQ(models["data"].size(), 3u) << models;
    EXPECT_EQ(models["data"][1]["id"], "stories+tale");
    EXPECT_EQ(models["data"][1]["parent"], "stories");
    EXPECT_EQ(models["data"][2]["id"], "q4");
    EXPECT_EQ(models["data"][2]["default"], true);
}

}  // namespace
}  // namespace clinote
