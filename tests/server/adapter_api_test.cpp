// Per-request LoRA adapters over loopback: "model": "stories+NAME" must give exactly what
// generate() gives with that adapter file loaded directly (as `clinote generate --adapter`
// runs it), differ from the base, and adapters load, replace and unload while serving
// without touching a job already accepted.
#include <cmath>
#include <thread>

#include "generate/chat_prompt.h"
#include "generate/generate.h"
#include "model/transformer.h"
#include "server_fixture.h"
#include "train/lora_init.h"

namespace clinote {
namespace {

using test::running_server;

const nlohmann::json k_messages = {{{"role", "user"}, {"content", "Once upon a time there was a cat"}}};

// A PEFT adapter for stories260K with a visible effect: PEFT's initial B is zero (no
// change), so B is filled with a fixed pattern; `phase` makes different adapters.
void adapter_write(const model& m, const std::string& dir, float phase) {
    lora_config cfg;
    cfg.rank = 4;
    cfg.alpha = 16;
    lora_adapter a = lora_adapter_create(m, cfg, 7);
    for (auto& layer : a.layers)
        for (lora_matrices& t : layer)
            for (size_t i = 0; i < t.b.size(); i++) t.b[i] = 0.05f * std::sin(0.37f * float(i) + phase);
    lora_adapter_save_peft(a, m, dir);
}

// The answer generate() gives with the adapter file at `dir` (none when empty).
std::string reference(const std::string& dir, int max_tokens) {
    auto m = test::tiny_model();
    std::unique_ptr<lora_adapter> a;
    if (!dir.empty()) a = std::make_unique<lora_adapter>(lora_adapter_load(dir, *m));
    inference_state st = inference_state_create(*m, 4096);
    st.adapter = a.get();
    generate_params p;
    p.max_tokens = max_tokens;
    p.sampling.temperature = 0;
    return generate(*m, st, chat_prompt_tokens(m->tok, k_messages, true), p).text;
}

struct adapter_files {
    test::temp_folder dir;
    std::string one = dir.path + "/one", two = dir.path + "/two";
    adapter_files() {
        auto m = test::tiny_model();
        adapter_write(*m, one, 0.0f);
        adapter_write(*m, two, 1.3f);
    }
};

nlohmann::json chat_body(const std::string& model, int max_tokens) {
    return {{"model", model}, {"messages", k_messages}, {"max_tokens", max_tokens}, {"temperature", 0}};
}

std::string chat(running_server& srv, const std::string& model, int max_tokens = 24) {
    const nlohmann::json r = srv.post_json("/v1/chat/completions", chat_body(model, max_tokens));
    EXPECT_EQ(r["model"], model);
    return r["choices"][0]["message"]["content"].get<std::string>();
}

TEST(Adapters, PerRequestAdapterEqualsDirectGenerationAndDiffersFromBase) {
    adapter_files files;
    server_options opt;
    opt.adapters = {{"story", files.one}};
    opt.note_adapter = "story";
    running_server srv(opt);
    // The page's model picker: what notes use by default, named as /v1/models names it.
    EXPECT_EQ(srv.get_json("/health")["note_model"], "stories+story");

    const nlohmann::json models = srv.get_json("/v1/models");
    ASSERT_EQ(models["data"].size(), 2u);
    EXPECT_EQ(models["data"][0]["id"], "stories");
    EXPECT_EQ(models["data"][1]["id"], "stories+story");
    EXPECT_EQ(models["data"][1]["parent"], "stories");
    srv.get_json("/v1/models/stories+story");

    const std::string base = reference("", 24), adapted = reference(files.one, 24);
    ASSERT_NE(base, adapted) << "the test adapter must change the answer";
    EXPECT_EQ(chat(srv, "stories+story"), adapted);
    EXPECT_EQ(chat(srv, "stories"), base);

    // Streamed, through the same job path.
    nlohmann::json body = chat_body("stories+story", 24);
    body["stream"] = true;
    auto res = srv.post("/v1/chat/completions", body);
    ASSERT_TRUE(res);
    std::string text;
    for (const auto& e : test::sse_events(res->body))
        if (e != "[DONE]" && e["choices"][0]["delta"].contains("content"))
            text += e["choices"][0]["delta"]["content"].get<std::string>();
    EXPECT_EQ(text, adapted);

    const nlohmann::json unknown = srv.post_json("/v1/chat/completions", chat_body("stories+nope", 8), 404);
    EXPECT_EQ(unknown["error"]["code"], "adapter_not_found");
    EXPECT_NE(unknown["error"]["message"].get<std::string>().find("'nope'"), std::string::npos) << unknown;
    srv.post_json("/v1/chat/completions", chat_body("other+story", 8), 404);
    srv.get_json("/v1/models/stories+nope", 404);
}

TEST(Adapters, LoadReplaceAndRemoveWhileServing) {
    adapter_files files;
    running_server srv;
    EXPECT_TRUE(srv.get_json("/api/adapters")["data"].empty());

    const nlohmann::json loaded = srv.post_json("/api/adapters", {{"name", "two"}, {"path", files.two}}, 201);
    EXPECT_EQ(loaded["model"], "stories+two");
    EXPECT_EQ(loaded["rank"], 4);
    EXPECT_EQ(loaded["replaced"], false);
    EXPECT_EQ(chat(srv, "stories+two"), reference(files.two, 24));

    // Same name, other file: the next request uses the new one.
    EXPECT_EQ(srv.post_json("/api/adapters", {{"name", "two"}, {"path", files.one}}, 200)["replaced"], true);
    EXPECT_EQ(chat(srv, "stories+two"), reference(files.one, 24));
    ASSERT_EQ(srv.get_json("/api/adapters")["data"].size(), 1u);

    auto del = srv.client->Delete("/api/adapters/two");
    ASSERT_TRUE(del);
    EXPECT_EQ(del->status, 200);
    srv.post_json("/v1/chat/completions", chat_body("stories+two", 8), 404);
    del = srv.client->Delete("/api/adapters/two");
    ASSERT_TRUE(del);
    EXPECT_EQ(del->status, 404);

    // A bad file is refused with 400 naming it; the registry is unchanged.
    const std::string missing = files.dir.path + "/no-such-adapter";
    const nlohmann::json bad = srv.post_json("/api/adapters", {{"name", "bad"}, {"path", missing}}, 400);
    EXPECT_NE(bad["error"]["message"].get<std::string>().find(missing), std::string::npos) << bad;
    const nlohmann::json bad_name = srv.post_json("/api/adapters", {{"name", "a+b"}, {"path", files.one}}, 400);
    EXPECT_NE(bad_name["error"]["message"].get<std::string>().find("name"), std::string::npos) << bad_name;
    EXPECT_TRUE(srv.get_json("/api/adapters")["data"].empty());
}

TEST(Adapters, AcceptedJobKeepsItsAdapterWhenReplacedOrRemoved) {
    adapter_files files;
    server_options opt;
    opt.adapters = {{"story", files.one}};
    running_server srv(opt);
    const std::string expected = reference(files.one, 200);

    std::string answer;
    std::thread client([&] {
        httplib::Client c("127.0.0.1", server_port(*srv.s));
        c.set_read_timeout(120, 0);
        auto r = c.Post("/v1/chat/completions", chat_body("stories+story", 200).dump(), "application/json");
        if (r && r->status == 200)
            answer = nlohmann::json::parse(r->body)["choices"][0]["message"]["content"].get<std::string>();
    });
    // Once job 1 exists it holds its adapter; swap and then remove it under the job.
    for (int i = 0; i < 2000; i++) {
        auto r = srv.client->Get("/api/jobs/1");
        if (r && r->status == 200) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    srv.post_json("/api/adapters", {{"name", "story"}, {"path", files.two}}, 200);
    ASSERT_TRUE(srv.client->Delete("/api/adapters/story"));
    client.join();
    EXPECT_EQ(answer, expected);
}

}  // namespace
}  // namespace clinote
