// Bad input gets a 4xx with a JSON error body naming the problem; a token, when set, is
// required on every API path.
#include "server_fixture.h"

namespace clinote {
namespace {

using test::running_server;

void expect_error(const httplib::Result& r, int status, const std::string& code, const std::string& in_message) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    const nlohmann::json body = nlohmann::json::parse(r->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r->body;
    EXPECT_EQ(body["error"]["code"], code) << r->body;
    EXPECT_NE(body["error"]["message"].get<std::string>().find(in_message), std::string::npos) << r->body;
}

TEST(BadInput, MalformedJsonUnknownModelBadFieldsAndUnknownRoutes) {
    running_server srv;
    auto& c = *srv.client;
    expect_error(c.Post("/v1/chat/completions", "{\"model\": \"stories\", \"messages\": [", "application/json"), 400,
                 "invalid_json", "malformed JSON");
    expect_error(c.Post("/v1/chat/completions", "[1, 2]", "application/json"), 400, "invalid_json", "JSON object");
    expect_error(c.Post("/v1/chat/completions", std::string("{\"a\":\"\xff\"}"), "application/json"), 400, "invalid_json",
                 "UTF-8");
    const nlohmann::json messages = {{{"role", "user"}, {"content", "hi"}}};
    expect_error(srv.post("/v1/chat/completions", {{"model", "gpt-4"}, {"messages", messages}}), 404, "model_not_found",
                 "gpt-4");
    expect_error(srv.post("/v1/chat/completions", {{"model", 42}, {"messages", messages}}), 400, "invalid_field", "model");
    expect_error(srv.post("/v1/chat/completions", {{"model", "stories"}, {"messages", nlohmann::json::array()}}), 400,
                 "invalid_field", "messages");
    expect_error(srv.post("/v1/chat/completions", {{"model", "stories"}, {"messages", {{{"role", "robot"}}}}}), 400,
                 "invalid_field", "messages[0].role");
    expect_error(srv.post("/v1/chat/completions", {{"model", "stories"}, {"messages", messages}, {"temperature", 3}}), 400,
                 "invalid_field", "temperature");
    expect_error(srv.post("/v1/chat/completions", {{"model", "stories"}, {"messages", messages}, {"max_tokens", "ten"}}),
                 400, "invalid_field", "max_tokens");
    expect_error(srv.post("/v1/chat/completions", {{"model", "stories"}, {"messages", messages}, {"max_tokens", 5000}}),
                 400, "invalid_field", "max_tokens");
    expect_error(srv.post("/v1/completions", {{"model", "stories"}, {"prompt", 42}}), 400, "invalid_field", "prompt");
    expect_error(c.Get("/v1/nothing"), 404, "not_found", "/v1/nothing");
    expect_error(c.Get("/api/encounters"), 423, "vault_locked", "locked");
}

TEST(BadInput, OversizedBodyIs413) {
    server_options opt;
    opt.max_body_bytes = 1024;
    running_server srv(opt);
    const std::string big = "{\"model\":\"stories\",\"prompt\":\"" + std::string(4096, 'a') + "\"}";
    expect_error(srv.client->Post("/v1/completions", big, "application/json"), 413, "body_too_large", "body");
}

TEST(BadInput, TokenRequiredOnApiPathsWhenSet) {
    server_options opt;
    opt.token = "s3cret-token";
    running_server srv(opt);
    httplib::Client anonymous("127.0.0.1", server_port(*srv.s));
    expect_error(anonymous.Get("/v1/models"), 401, "missing_token", "bearer token");
    expect_error(anonymous.Get("/api/encounters"), 401, "missing_token", "bearer token");
    expect_error(anonymous.Get("/metrics"), 401, "missing_token", "bearer token");
    httplib::Client wrong("127.0.0.1", server_port(*srv.s));
    wrong.set_bearer_token_auth("s3cret-tokem");
    expect_error(wrong.Get("/v1/models"), 401, "invalid_token", "wrong");
    // The page and the liveness check stay public: the page asks for the token.
    auto health = anonymous.Get("/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_TRUE(nlohmann::json::parse(health->body)["auth_required"].get<bool>());
    srv.get_json("/v1/models");  // with the token
    // The scheme is case-insensitive (RFC 9110).
    auto lower = anonymous.Get("/v1/models", {{"Authorization", "bearer s3cret-token"}});
    ASSERT_TRUE(lower);
    EXPECT_EQ(lower->status, 200);
}

TEST(BadInput, NullContentAndUnsafeAdapterNamesAreRefusedBeforeAnyWork) {
    running_server srv;
    expect_error(srv.post("/v1/chat/completions",
                          {{"model", "stories"}, {"messages", {{{"role", "user"}, {"content", nullptr}}}}}),
                 400, "invalid_field", "messages[0].content");
    for (const char* name : {"../../x", ".hidden", "a/b"}) {
        expect_error(srv.post("/api/training", {{"dataset", "/nonexistent"}, {"adapter", name}}), 400, "invalid_field",
                     "adapter");
    }
}

TEST(BadInput, NonLoopbackBindGetsAGeneratedToken) {
    EXPECT_TRUE(host_is_loopback("127.0.0.1"));
    EXPECT_TRUE(host_is_loopback("localhost"));
    EXPECT_FALSE(host_is_loopback("0.0.0.0"));
    server_options opt;
    opt.host = "0.0.0.0";
    running_server srv(opt);
    EXPECT_EQ(server_token(*srv.s).size(), 48u);
    httplib::Client anonymous("127.0.0.1", server_port(*srv.s));
    expect_error(anonymous.Get("/v1/models"), 401, "missing_token", "bearer token");
    srv.get_json("/v1/models");
}

TEST(BadInput, CorsHeadersOnlyWhenAnOriginIsAllowed) {
    {
        running_server srv;
        auto r = srv.client->Get("/health");
        ASSERT_TRUE(r);
        EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
    }
    server_options opt;
    opt.cors_origin = "http://localhost:3000";
    running_server srv(opt);
    auto r = srv.client->Options("/v1/models");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 204);
    EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "http://localhost:3000");
}

TEST(Server, OpenApiListsOnlyRoutedPaths) {
    running_server srv;
    const nlohmann::json doc = srv.get_json("/openapi.json");
    ASSERT_TRUE(doc["paths"].is_object());
    EXPECT_GE(doc["paths"].size(), 15u);
    for (const auto& [path, ops] : doc["paths"].items()) {
        std::string concrete = path;
        for (auto [from, to] : {std::pair<std::string, std::string>{"{id}", "1"}, {"{model}", "stories"}, {"{format}", "markdown"}, {"{name}", "x"}}) {
            const size_t at = concrete.find(from);
            if (at != std::string::npos) concrete.replace(at, from.size(), to);
        }
        for (const auto& [method, op] : ops.items()) {
            httplib::Result r = method == "get"      ? srv.client->Get(concrete.c_str())
                                : method == "delete" ? srv.client->Delete(concrete.c_str())
                                                     : srv.client->Post(concrete.c_str(), "{}", "application/json");
            ASSERT_TRUE(r) << method << " " << concrete;
            const bool unrouted = r->status == 404 && r->body.find("no such route") != std::string::npos;
            EXPECT_FALSE(unrouted) << method << " " << concrete << " is documented but not routed";
        }
    }
}

TEST(Server, HealthAndMetrics) {
    running_server srv;
    const nlohmann::json h = srv.get_json("/health");
    EXPECT_EQ(h["status"], "ok");
    EXPECT_EQ(h["model"], "stories");
    srv.post_json("/v1/completions", {{"model", "stories"}, {"prompt", "Once"}, {"max_tokens", 5}, {"temperature", 0}});
    auto m = srv.client->Get("/metrics");
    ASSERT_TRUE(m);
    EXPECT_NE(m->body.find("clinote_jobs_completed_total 1\n"), std::string::npos) << m->body;
    EXPECT_NE(m->body.find("clinote_tokens_generated_total 5\n"), std::string::npos) << m->body;
    EXPECT_NE(m->body.find("clinote_http_requests_total{route=\"/v1/completions\",status=\"200\"} 1"), std::string::npos)
        << m->body;
}

}  // namespace
}  // namespace clinote
