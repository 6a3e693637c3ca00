// The OpenAI routes over loopback against an independent reference: the same prompt
// rendered with chat_prompt_tokens and run through generate() directly must give the
// same text and token counts.
#include "generate/chat_prompt.h"
#include "generate/generate.h"
#include "notes/json_schema_validate.h"
#include "server_fixture.h"

namespace clinote {
namespace {

using test::running_server;

generate_result reference(const nlohmann::json& messages, int max_tokens, const std::vector<std::string>& stop = {},
                          float frequency_penalty = 0, float presence_penalty = 0) {
    auto m = test::tiny_model();
    inference_state st = inference_state_create(*m, 4096);
    generate_params p;
    p.max_tokens = max_tokens;
    p.stop = stop;
    p.sampling.temperature = 0;
    p.sampling.frequency_penalty = frequency_penalty;
    p.sampling.presence_penalty = presence_penalty;
    return generate(*m, st, chat_prompt_tokens(m->tok, messages, true), p);
}

const nlohmann::json k_messages = {{{"role", "system"}, {"content", "You tell short stories."}},
                                   {{"role", "user"}, {"content", "Once upon a time there was a cat"}}};

TEST(OpenAI, ChatCompletionEqualsDirectGeneration) {
    running_server srv;
    const generate_result ref = reference(k_messages, 24);
    const nlohmann::json r = srv.post_json("/v1/chat/completions",
                                           {{"model", "stories"}, {"messages", k_messages}, {"max_tokens", 24}, {"temperature", 0}});
    EXPECT_EQ(r["object"], "chat.completion");
    EXPECT_EQ(r["model"], "stories");
    EXPECT_EQ(r["choices"][0]["message"]["role"], "assistant");
    EXPECT_EQ(r["choices"][0]["message"]["content"], ref.text);
    EXPECT_EQ(r["choices"][0]["finish_reason"], ref.finish_reason);
    EXPECT_EQ(r["usage"]["prompt_tokens"], ref.n_prompt);
    EXPECT_EQ(r["usage"]["completion_tokens"], int64_t(ref.tokens.size()));
    EXPECT_EQ(r["usage"]["total_tokens"], ref.n_prompt + int64_t(ref.tokens.size()));

    // The same request again gets the same answer, whatever ran before it.
    const nlohmann::json again = srv.post_json(
        "/v1/chat/completions", {{"model", "stories"}, {"messages", k_messages}, {"max_tokens", 24}, {"temperature", 0}});
    EXPECT_EQ(again["choices"][0]["message"]["content"], ref.text);
}

TEST(OpenAI, StreamedChunksAddUpToTheAnswerWithUsage) {
    running_server srv;
    const generate_result ref = reference(k_messages, 20);
    auto res = srv.post("/v1/chat/completions", {{"model", "stories"},
                                                 {"messages", k_messages},
                                                 {"max_tokens", 20},
                                                 {"temperature", 0},
                                                 {"stream", true},
                                                 {"stream_options", {{"include_usage", true}}}});
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
    const auto events = test::sse_events(res->body);
    ASSERT_GE(events.size(), 4u);
    EXPECT_EQ(events.back(), "[DONE]");
    EXPECT_EQ(events[0]["choices"][0]["delta"]["role"], "assistant");
    std::string text;
    std::string finish;
    for (size_t i = 0; i + 2 < events.size(); i++) {
        EXPECT_EQ(events[i]["object"], "chat.completion.chunk");
        const auto& c = events[i]["choices"][0];
        if (c["delta"].contains("content")) text += c["delta"]["content"].get<std::string>();
        if (!c["finish_reason"].is_null()) finish = c["finish_reason"];
    }
    EXPECT_EQ(text, ref.text);
    EXPECT_EQ(finish, "length");
    const auto& usage = events[events.size() - 2];
    EXPECT_TRUE(usage["choices"].empty());
    EXPECT_EQ(usage["usage"]["completion_tokens"], 20);
    EXPECT_EQ(usage["usage"]["prompt_tokens"], ref.n_prompt);
}

TEST(OpenAI, StopStringsCutTheAnswer) {
    running_server srv;
    const generate_result full = reference(k_messages, 30);
    ASSERT_GT(full.text.size(), 12u);
    const std::string stop = full.text.substr(full.text.size() / 2, 4);
    const generate_result ref = reference(k_messages, 30, {stop});
    const nlohmann::json r = srv.post_json(
        "/v1/chat/completions",
        {{"model", "stories"}, {"messages", k_messages}, {"max_tokens", 30}, {"temperature", 0}, {"stop", stop}});
    EXPECT_EQ(r["choices"][0]["message"]["content"], ref.text);
    EXPECT_EQ(r["choices"][0]["finish_reason"], "stop");
    EXPECT_EQ(r["choices"][0]["message"]["content"].get<std::string>().find(stop), std::string::npos);
}

TEST(OpenAI, SameSeedSameSampleDifferentSeedsDiffer) {
    running_server srv;
    auto sample = [&](int seed) {
        return srv.post_json("/v1/chat/completions", {{"model", "stories"},
                                                      {"messages", k_messages},
                                                      {"max_tokens", 24},
                                                      {"temperature", 1.0},
                                                      {"top_p", 0.95},
                                                      {"seed", seed}})["choices"][0]["message"]["content"]
            .get<std::string>();
    };
    EXPECT_EQ(sample(7), sample(7));
    std::set<std::string> seen;
    for (int seed = 1; seed <= 4; seed++) seen.insert(sample(seed));
    EXPECT_GT(seen.size(), 1u);
}

TEST(OpenAI, TextCompletionStreamsAndEqualsDirectGeneration) {
    running_server srv;
    auto m = test::tiny_model();
    inference_state st = inference_state_create(*m, 4096);
    generate_params p;
    p.max_tokens = 16;
    const generate_result ref = generate(*m, st, tokenizer_encode(m->tok, "Once upon a time", true), p);
    const nlohmann::json body = {{"model", "stories"}, {"prompt", "Once upon a time"}, {"max_tokens", 16}, {"temperature", 0}};
    const nlohmann::json r = srv.post_json("/v1/completions", body);
    EXPECT_EQ(r["object"], "text_completion");
    EXPECT_EQ(r["choices"][0]["text"], ref.text);
    nlohmann::json streamed = body;
    streamed["stream"] = true;
    auto res = srv.post("/v1/completions", streamed);
    ASSERT_TRUE(res);
    std::string text;
    for (const auto& e : test::sse_events(res->body))
        if (e != "[DONE]") text += e["choices"][0]["text"].get<std::string>();
    EXPECT_EQ(text, ref.text);
}

// What a clinote front end sends its backend (serve --backend): the prompt as token ids, the
// repetition guard's DRY fields with the answer so far inside the prompt (answer_in_prompt),
// and the generated ids back (return_tokens) — the same as generate() continuing that answer.
TEST(OpenAI, TokenPromptDryAnswerInPromptAndReturnTokensEqualDirectGeneration) {
    running_server srv;
    auto m = test::tiny_model();
    const std::vector<int32_t> prompt = tokenizer_encode(m->tok, "Once upon a time", true);
    const std::vector<int32_t> answer = tokenizer_encode(m->tok, " there was a cat. The cat was a cat.", false);
    std::vector<int32_t> whole = prompt;
    whole.insert(whole.end(), answer.begin(), answer.end());
    generate_params p;
    p.max_tokens = 24;
    p.sampling = sampler_params_for_notes();
    p.answer_in_prompt = int64_t(answer.size());
    inference_state st = inference_state_create(*m, 4096);
    const generate_result ref = generate(*m, st, whole, p);
    // The guard sees the answer: without it the continuation differs (the reference is not trivial).
    generate_params unguarded = p;
    unguarded.answer_in_prompt = 0;
    inference_state st2 = inference_state_create(*m, 4096);
    EXPECT_NE(generate(*m, st2, whole, unguarded).tokens, ref.tokens);

    const nlohmann::json body = {{"prompt", whole},           {"max_tokens", 24},         {"temperature", 0},
                                 {"dry_multiplier", 1.5},     {"dry_base", 1.75},         {"dry_allowed_length", 2},
                                 {"answer_in_prompt", answer.size()}, {"return_tokens", true}};
    const nlohmann::json r = srv.post_json("/v1/completions", body);
    EXPECT_EQ(r["choices"][0]["text"], ref.text);
    EXPECT_EQ(r["choices"][0]["tokens"], ref.tokens);
    nlohmann::json streamed = body;
    streamed["stream"] = true;
    auto res = srv.post("/v1/completions", streamed);
    ASSERT_TRUE(res);
    const auto events = test::sse_events(res->body);
    ASSERT_GE(events.size(), 2u);
    EXPECT_EQ(events[events.size() - 2]["choices"][0]["tokens"], ref.tokens);  // with the finishing chunk

    nlohmann::json bad = body;
    bad["prompt"] = {1, 2, m->tok.n_vocab()};
    const nlohmann::json e = srv.post_json("/v1/completions", bad, 400);
    EXPECT_NE(e["error"]["message"].get<std::string>().find("prompt[2]"), std::string::npos) << e.dump();
    bad = body;
    bad["answer_in_prompt"] = whole.size() + 1;
    srv.post_json("/v1/completions", bad, 400);
}

TEST(OpenAI, ModelsListsTheServedModel) {
    running_server srv;
    const nlohmann::json r = srv.get_json("/v1/models");
    ASSERT_EQ(r["data"].size(), 1u);
    EXPECT_EQ(r["data"][0]["id"], "stories");
    srv.get_json("/v1/models/stories");
    srv.get_json("/v1/models/other", 404);
}

const nlohmann::json k_person_schema = nlohmann::json::parse(R"({
    "type": "object",
    "properties": {"name": {"type": "string", "maxLength": 12}, "age": {"type": "integer"}},
    "required": ["name", "age"], "additionalProperties": false})");

TEST(OpenAI, ResponseFormatJsonSchemaAlwaysParsesAndValidates) {
    running_server srv;
    // The schema's own property order ("name" before "age", not alphabetical) is kept.
    const std::string raw = R"({"messages": )" + k_messages.dump() +
                            R"(, "max_tokens": 40, "temperature": 0, "response_format": {"type": "json_schema",
        "json_schema": {"name": "person", "strict": true, "schema": {"type": "object",
        "properties": {"name": {"type": "string", "maxLength": 12}, "age": {"type": "integer"}},
        "required": ["name", "age"], "additionalProperties": false}}}})";
    for (int max_tokens : {40, 3}) {  // 3: cut short, completed by the grammar's shortest ending
        nlohmann::ordered_json body = nlohmann::ordered_json::parse(raw);
        body["max_tokens"] = max_tokens;
        auto res = srv.client->Post("/v1/chat/completions", body.dump(), "application/json");
        ASSERT_TRUE(res);
        ASSERT_EQ(res->status, 200) << res->body;
        const std::string content = nlohmann::json::parse(res->body)["choices"][0]["message"]["content"];
        const nlohmann::json answer = nlohmann::json::parse(content);
        EXPECT_TRUE(json_schema_validate(k_person_schema, answer).empty()) << content;
        EXPECT_EQ(content.rfind("{\"name\":", 0), 0u) << content;
        // Streamed: the deltas add up to a document that parses too.
        body["stream"] = true;
        auto streamed = srv.client->Post("/v1/chat/completions", body.dump(), "application/json");
        ASSERT_TRUE(streamed);
        std::string text;
        for (const nlohmann::json& ev : test::sse_events(streamed->body))
            if (ev.contains("choices") && !ev["choices"].empty() && ev["choices"][0]["delta"].contains("content"))
                text += ev["choices"][0]["delta"]["content"].get<std::string>();
        EXPECT_EQ(text, content);
    }
}

TEST(OpenAI, ResponseFormatJsonObjectIsAnObjectEvenWhenCutShort) {
    running_server srv;
    for (int max_tokens : {60, 2}) {
        const nlohmann::json r = srv.post_json("/v1/chat/completions", {{"messages", k_messages}, {"max_tokens", max_tokens},
                                                                         {"temperature", 0}, {"response_format", {{"type", "json_object"}}}});
        const std::string content = r["choices"][0]["message"]["content"];
        EXPECT_TRUE(nlohmann::json::parse(content).is_object()) << content;
    }
}

// Greedy: each token is the most likely one, its bytes make the answer, and the completions
// route gives the same figures in its own form.
TEST(OpenAI, LogprobsOfEachTokenWithItsAlternatives) {
    running_server srv;
    const nlohmann::json r = srv.post_json("/v1/chat/completions", {{"messages", k_messages}, {"max_tokens", 16}, {"temperature", 0},
                                                                     {"logprobs", true}, {"top_logprobs", 3}});
    const nlohmann::json& content = r["choices"][0]["logprobs"]["content"];
    ASSERT_EQ(content.size(), r["usage"]["completion_tokens"].get<size_t>()) << r.dump();
    std::string bytes;
    for (const nlohmann::json& t : content) {
        for (int b : t["bytes"]) bytes += char(b);
        ASSERT_EQ(t["top_logprobs"].size(), 3u);
        EXPECT_EQ(t["top_logprobs"][0]["token"], t["token"]);
        EXPECT_FLOAT_EQ(t["top_logprobs"][0]["logprob"].get<float>(), t["logprob"].get<float>());
        EXPECT_LE(t["logprob"].get<float>(), 0.0f);
        EXPECT_GE(t["top_logprobs"][1]["logprob"].get<float>(), t["top_logprobs"][2]["logprob"].get<float>());
    }
    EXPECT_EQ(bytes, r["choices"][0]["message"]["content"].get<std::string>());
    const nlohmann::json plain = srv.post_json("/v1/chat/completions", {{"messages", k_messages}, {"max_tokens", 16}, {"temperature", 0}});
    EXPECT_EQ(plain["choices"][0]["message"]["content"], r["choices"][0]["message"]["content"]);
    EXPECT_TRUE(plain["choices"][0]["logprobs"].is_null());

    const nlohmann::json c = srv.post_json("/v1/completions", {{"prompt", "Once upon a time"}, {"max_tokens", 8}, {"temperature", 0},
                                                                {"logprobs", 2}});
    const nlohmann::json& lp = c["choices"][0]["logprobs"];
    ASSERT_EQ(lp["tokens"].size(), 8u) << c.dump();
    size_t offset = 0;
    for (size_t i = 0; i < 8; i++) {
        EXPECT_EQ(lp["text_offset"][i].get<size_t>(), offset);
        offset += lp["tokens"][i].get<std::string>().size();
        ASSERT_LE(lp["top_logprobs"][i].size(), 2u);
        EXPECT_FLOAT_EQ(lp["top_logprobs"][i][lp["tokens"][i].get<std::string>()].get<float>(), lp["token_logprobs"][i].get<float>());
    }
    EXPECT_EQ(offset, c["choices"][0]["text"].get<std::string>().size());
}

TEST(OpenAI, FieldsThatWouldBeIgnoredAreRefusedByName) {
    running_server srv;
    const nlohmann::json ok = {{"messages", k_messages}, {"max_tokens", 4}};
    auto refused = [&](const nlohmann::json& extra, const std::string& code, const std::string& names) {
        nlohmann::json body = ok;
        body.update(extra);
        const nlohmann::json r = srv.post_json("/v1/chat/completions", body, 400);
        EXPECT_EQ(r["error"]["code"], code) << extra.dump();
        EXPECT_NE(r["error"]["message"].get<std::string>().find(names), std::string::npos) << r.dump();
    };
    refused({{"logprobs", true}, {"stream", true}}, "unsupported_field", "logprobs");
    refused({{"top_logprobs", 3}}, "invalid_field", "top_logprobs");
    refused({{"logprobs", true}, {"top_logprobs", 21}}, "invalid_field", "top_logprobs");
    refused({{"tools", {{{"type", "function"}, {"function", {{"name", "f"}}}}}}}, "unsupported_field", "tools");
    refused({{"logit_bias", {{"50256", -100}}}}, "unsupported_field", "logit_bias");
    refused({{"frobnicate", 1}}, "unknown_field", "frobnicate");
    refused({{"response_format", {{"type", "json"}}}}, "invalid_field", "json_object");
    refused({{"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "x"}}}}}}, "missing_field",
            "response_format.json_schema.schema");
    refused({{"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "x"}, {"schema", {{"type", "object"}, {"pattern", "a"}}}}}}}},
            "invalid_field", "response_format.json_schema.schema");
    refused({{"n", 2}, {"stream", true}}, "unsupported_field", "n:");
    // Asking for nothing, or null, is accepted; so are the fields clinote honours.
    nlohmann::json fine = ok;
    fine.update({{"logprobs", false}, {"tools", nlohmann::json::array()}, {"logit_bias", nlohmann::json::object()},
                 {"user", "clinic-7"}, {"response_format", {{"type", "text"}}}, {"frequency_penalty", 0.5},
                 {"presence_penalty", 0.5}, {"seed", 3}, {"store", nullptr}});
    srv.post_json("/v1/chat/completions", fine);
    srv.post_json("/v1/completions", {{"prompt", "Once"}, {"max_tokens", 2}, {"echo", false}, {"best_of", 1}});
    srv.post_json("/v1/completions", {{"prompt", "Once"}, {"messages", k_messages}}, 400);
}

TEST(OpenAI, ModelIsOptionalNChoicesAndPenaltiesEqualDirectGeneration) {
    running_server srv;
    const generate_result ref = reference(k_messages, 24);
    const nlohmann::json r =
        srv.post_json("/v1/chat/completions", {{"messages", k_messages}, {"max_tokens", 24}, {"temperature", 0}, {"n", 2}});
    EXPECT_EQ(r["model"], "stories");
    ASSERT_EQ(r["choices"].size(), 2u);
    for (int i = 0; i < 2; i++) {
        EXPECT_EQ(r["choices"][i]["index"], i);
        EXPECT_EQ(r["choices"][i]["message"]["content"], ref.text);
    }
    EXPECT_EQ(r["usage"]["completion_tokens"], 2 * int64_t(ref.tokens.size()));

    const generate_result penalised = reference(k_messages, 24, {}, 1.5f, 0.5f);
    const nlohmann::json p = srv.post_json("/v1/chat/completions", {{"messages", k_messages}, {"max_tokens", 24},
                                                                    {"temperature", 0}, {"frequency_penalty", 1.5},
                                                                    {"presence_penalty", 0.5}});
    EXPECT_EQ(p["choices"][0]["message"]["content"], penalised.text);
    EXPECT_NE(penalised.text, ref.text);  // the penalties change this answer, so the check means something
}

}  // namespace
}  // namespace clinote
