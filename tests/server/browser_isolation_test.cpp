// The attacks a web page in the clinician's browser can make on the loopback server, sent
// as the browser would send them: DNS rebinding (the page's own name as Host), cross-site
// requests (a foreign Origin), and "simple" bodies (text/plain, forms) that browsers send
// cross-site without a preflight. Each must fail; the server's own page must keep working.
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace clinote {
namespace {

using test::running_server;

std::string host_port(const running_server& srv) { return "127.0.0.1:" + std::to_string(server_port(*srv.s)); }

TEST(BrowserIsolation, DnsRebindingHostIsRefused) {
    running_server srv;
    for (const char* host : {"attacker.example:8080", "attacker.example", "127.0.0.1.nip.io:8080", "evil.localhost.com"}) {
        auto r = srv.client->Get("/api/encounters", {{"Host", host}});
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 403) << host;
        EXPECT_NE(r->body.find("host_not_allowed"), std::string::npos) << r->body;
    }
    auto unlock = srv.client->Post("/api/vault/unlock", {{"Host", "attacker.example:8080"}},
                                   R"({"passphrase": "attacker's passphrase", "create": true})", "application/json");
    ASSERT_TRUE(unlock);
    EXPECT_EQ(unlock->status, 403);
    EXPECT_FALSE(srv.get_json("/api/vault")["exists"]);  // nothing was created
}

TEST(BrowserIsolation, OwnNamesAreServed) {
    running_server srv;
    const std::string port = std::to_string(server_port(*srv.s));
    for (const std::string& host : {"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port, "[::1]:" + port}) {
        auto r = srv.client->Get("/health", {{"Host", host}});
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200) << host;
    }
}

TEST(BrowserIsolation, AllowHostAddsAName) {
    server_options opt;
    opt.allowed_hosts = {"scribe.clinic.lan"};
    running_server srv(opt);
    auto r = srv.client->Get("/health", {{"Host", "scribe.clinic.lan:8080"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST(BrowserIsolation, CrossSiteStateChangesAreRefused) {
    running_server srv;
    const std::string body = R"({"title": "x", "transcript": "Doctor: y"})";
    for (const char* origin : {"http://evil", "null", "http://localhost:3000"}) {
        auto r = srv.client->Post("/api/encounters", {{"Origin", origin}}, body, "application/json");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 403) << origin;
        EXPECT_NE(r->body.find("origin_not_allowed"), std::string::npos) << r->body;
    }
    for (const char* path : {"/api/vault/lock", "/api/vault/unlock", "/api/training"}) {
        auto r = srv.client->Post(path, {{"Origin", "http://evil"}}, "{}", "application/json");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 403) << path;
    }
    auto del = srv.client->Delete("/api/encounters/1", {{"Origin", "http://evil"}});
    ASSERT_TRUE(del);
    EXPECT_EQ(del->status, 403);
}

TEST(BrowserIsolation, SimpleContentTypesAreNotJson) {
    running_server srv;
    for (const char* type : {"text/plain", "application/x-www-form-urlencoded"}) {
        auto r = srv.client->Post("/api/vault/unlock", R"({"passphrase": "correct horse battery", "create": true})",
                                  type);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 415) << type;
        EXPECT_NE(r->body.find("application/json"), std::string::npos) << r->body;
    }
    // A multipart body that is JSON inside: the HTTP layer refuses it before any handler.
    auto multipart = srv.client->Post("/api/vault/unlock", R"({"passphrase": "correct horse battery", "create": true})",
                                      "multipart/form-data; boundary=x");
    ASSERT_TRUE(multipart);
    EXPECT_GE(multipart->status, 400);
    EXPECT_LT(multipart->status, 500);
    EXPECT_FALSE(srv.get_json("/api/vault")["exists"]);
    auto chat = srv.client->Post("/v1/chat/completions", R"({"messages": [{"role": "user", "content": "hi"}]})",
                                 "text/plain");
    ASSERT_TRUE(chat);
    EXPECT_EQ(chat->status, 415);
}

TEST(BrowserIsolation, TheServersOwnPageWorks) {
    running_server srv;
    const std::string own = "http://" + host_port(srv);
    auto r = srv.client->Post("/api/vault/unlock", {{"Origin", own}},
                              R"({"passphrase": "correct horse battery staple", "create": true})",
                              "application/json; charset=utf-8");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    auto e = srv.client->Post("/api/encounters", {{"Origin", own}}, R"({"title": "x", "transcript": "Doctor: y"})",
                              "application/json");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status, 201) << e->body;
}

TEST(BrowserIsolation, ConfiguredCorsOriginMayCall) {
    server_options opt;
    opt.cors_origin = "http://app.example";
    running_server srv(opt);
    auto r = srv.client->Post("/v1/chat/completions", {{"Origin", "http://app.example"}},
                              R"({"model": "stories", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2})",
                              "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "http://app.example");
}

}  // namespace
}  // namespace clinote
