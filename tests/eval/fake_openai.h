// A fake OpenAI-compatible chat endpoint served in-process (cpp-httplib), for judge tests.
#pragma once
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "eval/llm_judge.h"

namespace clinote {

// Answers each request with the next of `answers` (the last one repeats), as a chat completion.
struct fake_endpoint {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    std::vector<std::string> answers;
    std::atomic<int> requests{0};
    nlohmann::json last_request;

    explicit fake_endpoint(std::vector<std::string> a) : answers(std::move(a)) {
        server.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
            last_request = nlohmann::json::parse(req.body);
            const int i = std::min<int>(requests++, int(answers.size()) - 1);
            const nlohmann::json body = {{"object", "chat.completion"},
                                         {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", answers[size_t(i)]}}}}}}};
            res.set_content(body.dump(), "application/json");
        });
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
        while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~fake_endpoint() {
        server.stop();
        thread.join();
    }
    judge_client client(int retries) const {
        judge_client c;
        c.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
        c.model = "fake-judge";
        c.retries = retries;
        return c;
    }
};

}  // namespace clinote
