// Ollama's routes over loopback against an independent reference: the same messages rendered
// with chat_prompt_tokens and run through generate() with Ollama's default options must give
// the same text, streamed as JSON lines or whole; fields clinote cannot honour are refused.
#include "generate/chat_prompt.h"
#include "generate/generate.h"
#include "notes/json_schema_validate.h"
#include "server_fixture.h"

namespace clinote {
namespace {

using test::running_server;

const nlohmann::json k_messages = {{{"role", "user"}, {"content", "Once upon a time there was a cat"}}};

// Greedy with Ollama's default repeat penalty (1.1 over the last 64 tokens).
std::string reference(int max_tokens) {
    auto m = test::tiny_model();
    inference_state st = inference_state_create(*m, 4096);
    generate_params p;
    p.max_tokens = max_tokens;
    p.sampling.temperature = 0;
    p.sampling.repeat_penalty = 1.1f;
    p.sampling.repeat_last_n = 64;
    return generate(*m, st, chat_prompt_tokens(m->tok, k_messages, true), p).text;
}

std::vector<nlohmann::json> json_lines(const std::string& body) {
    std::vector<nlohmann::json> out;
    size_t pos = 0;
    for (size_t end; (end = body.find('\n', pos)) != std::string::npos; pos = end + 1)
        out.push_back(nlohmann::json::parse(body.substr(pos, end - pos)));
    EXPECT_EQ(body.find_first_not_of(" \n", pos), std::string::npos) << "a trailing partial line";
    return out;
}

TEST(Ollama, ChatEqualsDirectGenerationWholeAndStreamedAsJsonLines) {
    running_server srv;
    const std::string want = reference(20);
    const nlohmann::json options = {{"temperature", 0}, {"num_predict", 20}};
    const nlohmann::json whole =
        srv.post_json("/api/chat", {{"model", "stories"}, {"messages", k_messages}, {"stream", false}, {"options", options}});
    EXPECT_EQ(whole["model"], "stories");
    EXPECT_EQ(whole["message"]["role"], "assistant");
    EXPECT_EQ(whole["message"]["content"], want);
    EXPECT_EQ(whole["done"], true);
    EXPECT_EQ(whole["done_reason"], "length");
    EXPECT_EQ(whole["eval_count"], 20);

    // Streamed by default: one JSON object per line, the last one done with the counts.
    auto r = srv.post("/api/chat", {{"messages", k_messages}, {"options", options}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-ndjson");
    const std::vector<nlohmann::json> lines = json_lines(r->body);
    ASSERT_GE(lines.size(), 2u);
    std::string text;
    for (size_t i = 0; i + 1 < lines.size(); i++) {
        EXPECT_EQ(lines[i]["done"], false);
        text += lines[i]["message"]["content"].get<std::string>();
    }
    EXPECT_EQ(text, want);
    EXPECT_EQ(lines.back()["done"], true);
    EXPECT_EQ(lines.back()["eval_count"], 20);
    EXPECT_GT(lines.back()["prompt_eval_count"].get<int64_t>(), 0);
}

TEST(Ollama, GenerateTagsShowAndSchemaFormat) {
    running_server srv;
    const nlohmann::json tags = srv.get_json("/api/tags");
    ASSERT_EQ(tags["models"].size(), 1u);
    EXPECT_EQ(tags["models"][0]["name"], "stories");
    EXPECT_EQ(tags["models"][0]["details"]["format"], "gguf");
    EXPECT_GT(tags["models"][0]["size"].get<int64_t>(), 0);
    const nlohmann::json show = srv.post_json("/api/show", {{"model", "stories"}});
    EXPECT_EQ(show["model_info"]["general.architecture"], "llama");
    EXPECT_FALSE(show["template"].get<std::string>().empty());
    srv.post_json("/api/show", {{"model", "nope"}}, 404);

    // /api/generate wraps the prompt in the chat template as a user message, as Ollama does.
    const nlohmann::json g = srv.post_json("/api/generate", {{"prompt", "Once upon a time there was a cat"}, {"stream", false},
                                                            {"options", {{"temperature", 0}, {"num_predict", 20}}}});
    EXPECT_EQ(g["response"], reference(20));

    const nlohmann::json schema = nlohmann::json::parse(
        R"({"type": "object", "properties": {"name": {"type": "string", "maxLength": 10}}, "required": ["name"]})");
    const nlohmann::json j = srv.post_json("/api/chat", {{"messages", k_messages}, {"stream", false}, {"format", schema},
                                                        {"options", {{"temperature", 0}, {"num_predict", 30}}}});
    EXPECT_TRUE(json_schema_validate(schema, nlohmann::json::parse(j["message"]["content"].get<std::string>())).empty())
        << j.dump();
    const nlohmann::json any = srv.post_json("/api/chat", {{"messages", k_messages}, {"stream", false}, {"format", "json"},
                                                          {"options", {{"temperature", 0}, {"num_predict", 30}}}});
    EXPECT_TRUE(nlohmann::json::parse(any["message"]["content"].get<std::string>()).is_object()) << any.dump();
}

TEST(Ollama, WhatCannotBeHonouredIsRefusedAndNoSessionCookieIsNeeded) {
    running_server srv;
    const nlohmann::json base = {{"messages", k_messages}, {"stream", false}, {"options", {{"num_predict", 2}}}};
    auto refused = [&](const nlohmann::json& extra, const std::string& code, const std::string& words) {
        nlohmann::json body = base;
        body.update(extra);
        const nlohmann::json r = srv.post_json("/api/chat", body, 400);
        EXPECT_EQ(r["error"]["code"], code) << extra.dump();
        EXPECT_NE(r["error"]["message"].get<std::string>().find(words), std::string::npos) << r.dump();
    };
    refused({{"format", "yaml"}}, "invalid_field", "format");
    refused({{"tools", {{{"type", "function"}}}}}, "unsupported_field", "tools");
    refused({{"think", true}}, "unsupported_field", "think");
    refused({{"options", {{"mirostat", 2}}}}, "unsupported_field", "options.mirostat");
    refused({{"options", {{"num_ctx", 100000}}}}, "invalid_field", "options.num_ctx");
    refused({{"frobnicate", 1}}, "unknown_field", "frobnicate");
    refused({{"messages", {{{"role", "user"}, {"content", "x"}, {"images", {"aGk="}}}}}}, "unsupported_field", "images");
    nlohmann::json fine = base;
    fine.update({{"think", false}, {"tools", nlohmann::json::array()}, {"keep_alive", "5m"}});
    srv.post_json("/api/chat", fine);

    // Ollama's clients send no cookie: like /v1, these routes reach no vault data.
    httplib::Client anonymous("127.0.0.1", server_port(*srv.s));
    auto r = anonymous.Post("/api/chat", base.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    auto vault = anonymous.Get("/api/encounters");
    ASSERT_TRUE(vault);
    EXPECT_EQ(vault->status, 401);
}

}  // namespace
}  // namespace clinote
