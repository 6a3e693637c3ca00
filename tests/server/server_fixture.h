// A server on a free loopback port with the tiny real model stories260K (and a plain chat
// template, since it has none), a fresh vault and training-runs folder, and an HTTP client.
#pragma once
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/file.h"
#include "core/paths.h"
#include "model/model.h"
#include "server/server.h"

namespace clinote::test {

inline std::unique_ptr<model> tiny_model() {
    auto m = model_load(shared_dir() + "/models/stories260k/stories260K.gguf");
    m->tok.chat_template = file_read_text(source_dir() + "/tests/server/plain_chat.jinja");
    return m;
}

struct temp_folder {
    std::string path;
    temp_folder() {
        char tmpl[] = "/tmp/clinote-server-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~temp_folder() { std::filesystem::remove_all(path); }
};

struct running_server {
    temp_folder dir;
    server_ptr s;
    std::unique_ptr<httplib::Client> client;

    explicit running_server(server_options opt = {}) {
        opt.port = 0;
        opt.model_id = "stories";
        if (opt.vault_kdf == server_options{}.vault_kdf) opt.vault_kdf = "min";  // tests: vaults open at once
        if (opt.vault_dir.empty()) opt.vault_dir = dir.path + "/vault";
        if (opt.train_dir == server_options{}.train_dir) opt.train_dir = dir.path + "/runs";
        // The tests' datasets and adapters live in folders of their own under the temp folder.
        const std::string tmp = std::filesystem::temp_directory_path().string();
        if (opt.data_dir == server_options{}.data_dir) opt.data_dir = tmp;
        if (opt.adapter_dir == server_options{}.adapter_dir) opt.adapter_dir = tmp;
        s = server_start(opt, tiny_model());
        client = std::make_unique<httplib::Client>("127.0.0.1", server_port(*s));
        client->set_read_timeout(120, 0);
        if (!server_token(*s).empty()) client->set_bearer_token_auth(server_token(*s).c_str());
        else client->set_default_headers({{"Cookie", session_cookie(*client)}});
    }

    // "name=value" of the session cookie the server's page sets; /api needs it without a token.
    static std::string session_cookie(httplib::Client& c) {
        auto r = c.Get("/");
        EXPECT_TRUE(r && r->status == 200);
        if (!r) return "";
        const std::string set = r->get_header_value("Set-Cookie");
        return set.substr(0, set.find(';'));
    }

    httplib::Result post(const std::string& path, const nlohmann::json& body) {
        return client->Post(path.c_str(), body.dump(), "application/json");
    }
    nlohmann::json post_json(const std::string& path, const nlohmann::json& body, int expect_status = 200) {
        auto r = post(path, body);
        EXPECT_TRUE(r) << path;
        if (!r) return {};
        EXPECT_EQ(r->status, expect_status) << path << ": " << r->body;
        return nlohmann::json::parse(r->body);
    }
    nlohmann::json get_json(const std::string& path, int expect_status = 200) {
        auto r = client->Get(path.c_str());
        EXPECT_TRUE(r) << path;
        if (!r) return {};
        EXPECT_EQ(r->status, expect_status) << path << ": " << r->body;
        return nlohmann::json::parse(r->body);
    }
};

// The "data: {...}" events of a Server-Sent Events body, "[DONE]" as a string.
inline std::vector<nlohmann::json> sse_events(const std::string& body) {
    std::vector<nlohmann::json> out;
    size_t pos = 0;
    while ((pos = body.find("data: ", pos)) != std::string::npos) {
        const size_t end = body.find("\n\n", pos);
        const std::string data = body.substr(pos + 6, end - pos - 6);
        out.push_back(data == "[DONE]" ? nlohmann::json("[DONE]") : nlohmann::json::parse(data));
        pos = end;
    }
    return out;
}

}  // namespace clinote::test
