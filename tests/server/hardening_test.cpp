// Attacks on the server itself, each sent as the attacker would send it: /api without the
// page's session secret, a huge announced body, slow clients trickling their headers, wrong
// methods, and file names that point outside the configured folders.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "fuzz_regressions.h"
#include "server_fixture.h"

namespace clinote {
namespace {

using test::running_server;

void expect_error(const httplib::Result& r, int status, const std::string& code, const std::string& in_message) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    const nlohmann::json body = nlohmann::json::parse(r->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r->body;
    EXPECT_EQ(body["error"]["code"], code) << r->body;
    EXPECT_NE(body["error"]["message"].get<std::string>().find(in_message), std::string::npos) << r->body;
}

// A raw TCP connection to the server, for requests no HTTP client would send.
struct raw_socket {
    int fd = -1;
    explicit raw_socket(int port) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(uint16_t(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(fd);
            fd = -1;
        }
    }
    ~raw_socket() {
        if (fd >= 0) ::close(fd);
    }
    bool send_all(const std::string& s) const { return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size()); }
    // What arrives within `seconds`, until the server closes or the head and some body came.
    std::string receive(int seconds) const {
        timeval tv{seconds, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::string got;
        char buf[4096];
        ssize_t n;
        while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
            got.append(buf, size_t(n));
            if (got.find("\r\n\r\n") != std::string::npos && got.find('}') != std::string::npos) break;
        }
        return got;
    }
};

TEST(Hardening, ApiNeedsThePagesSessionCookie) {
    running_server srv;  // its client took the cookie from the page, as the browser does
    auto page = srv.client->Get("/");
    ASSERT_TRUE(page);
    const std::string set = page->get_header_value("Set-Cookie");
    EXPECT_EQ(set.rfind("clinote_session=", 0), 0u) << set;
    EXPECT_EQ(set.substr(set.find(';')), "; HttpOnly; SameSite=Strict; Path=/");
    EXPECT_EQ(set.find(';') - std::string("clinote_session=").size(), 48u);  // 24 random bytes in hex

    httplib::Client anonymous("127.0.0.1", server_port(*srv.s));
    expect_error(anonymous.Get("/api/encounters"), 401, "missing_session", "clinote_session");
    expect_error(anonymous.Post("/api/vault/unlock", R"({"passphrase": "attacker's passphrase", "create": true})",
                                "application/json"),
                 401, "missing_session", "Cookie");
    EXPECT_FALSE(srv.get_json("/api/vault")["exists"]);  // the attempt created nothing
    expect_error(anonymous.Get("/api/jobs", {{"Cookie", "clinote_session=" + std::string(48, '0')}}), 401,
                 "missing_session", "wrong");

    // Another launch makes another secret: an earlier launch's cookie opens nothing.
    running_server other;
    httplib::Client to_other("127.0.0.1", server_port(*other.s));
    expect_error(to_other.Get("/api/encounters", {{"Cookie", set.substr(0, set.find(';'))}}), 401, "missing_session",
                 "wrong");

    // The OpenAI API stays open to local scribe apps (it never touches the vault).
    auto models = anonymous.Get("/v1/models");
    ASSERT_TRUE(models);
    EXPECT_EQ(models->status, 200);
}

TEST(Hardening, WithATokenThePageGivesNoCookieThatCouldStandInForIt) {
    server_options opt;
    opt.token = "s3cret-token";
    running_server srv(opt);
    httplib::Client anonymous("127.0.0.1", server_port(*srv.s));
    auto page = anonymous.Get("/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_FALSE(page->has_header("Set-Cookie"));
    expect_error(anonymous.Get("/api/encounters"), 401, "missing_token", "bearer");
    srv.get_json("/api/jobs");  // the bearer token alone is enough
}

TEST(Hardening, HugeContentLengthIs413AtOnce) {
    running_server srv;  // read timeout 30 s: the old answer came only after it
    raw_socket c(server_port(*srv.s));
    ASSERT_GE(c.fd, 0);
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(c.send_all("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           "Content-Length: 1000000000000\r\n\r\n{}"));
    const std::string reply = c.receive(20);
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
    EXPECT_NE(reply.find("body_too_large"), std::string::npos) << reply;
    EXPECT_LT(waited, 5.0);  // a liveness bound, far below the 30 s read timeout
}

TEST(Hardening, WrongMethodOnAKnownPathIs405WithAllow) {
    running_server srv;
    auto& c = *srv.client;
    auto del = c.Delete("/api/vault");
    expect_error(del, 405, "method_not_allowed", "DELETE /api/vault");
    EXPECT_EQ(del->get_header_value("Allow"), "GET, HEAD");
    auto get = c.Get("/api/vault/unlock");
    expect_error(get, 405, "method_not_allowed", "POST");
    EXPECT_EQ(get->get_header_value("Allow"), "POST");
    // Every documented path answers 405 to a method it does not list, naming exactly the
    // ones /openapi.json lists.
    const nlohmann::json doc = srv.get_json("/openapi.json");
    for (const auto& [templ, ops] : doc["paths"].items()) {
        std::string path = templ;
        for (size_t b; (b = path.find('{')) != std::string::npos;) path.replace(b, path.find('}') - b + 1, "1");
        std::string listed;
        for (const auto& [method, op] : ops.items()) {
            std::string m = method;
            for (char& ch : m) ch = char(std::toupper(static_cast<unsigned char>(ch)));
            listed += (listed.empty() ? "" : ", ") + m + (m == "GET" ? ", HEAD" : "");
        }
        auto r = c.Patch(path.c_str(), "{}", "application/json");
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 405) << path << ": " << r->body;
        EXPECT_EQ(r->get_header_value("Allow"), listed) << path;
    }
    // Unknown paths, and a listed method on a malformed id, stay 404.
    expect_error(c.Get("/api/nothing-here"), 404, "not_found", "/api/nothing-here");
    expect_error(c.Delete("/api/nothing/1"), 404, "not_found", "no such route");
    expect_error(c.Get("/api/jobs/abc"), 404, "not_found", "no such route");
    // The page's own files answer GET and HEAD only; a path outside the web folder stays 404.
    for (const char* page : {"/", "/index.html", "/app.js"}) {
        auto post = c.Post(page, "{}", "application/json");
        expect_error(post, 405, "method_not_allowed", "GET, HEAD");
        EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD") << page;
    }
    expect_error(c.Post("/nothing.js", "{}", "application/json"), 404, "not_found", "no such route");
    expect_error(c.Post("/../README.md", "{}", "application/json"), 404, "not_found", "no such route");
}

// Writes `text` to path.
void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(Hardening, FileNamesOutsideTheConfiguredFoldersAre400WithoutSayingWhatExists) {
    test::temp_folder data, adapters, elsewhere;
    write_file(elsewhere.path + "/train.jsonl", "{}\n");
    std::filesystem::create_directory(data.path + "/set");
    std::filesystem::create_symlink(elsewhere.path, data.path + "/link");  // a link inside, pointing out
    server_options opt;
    opt.data_dir = data.path;
    opt.adapter_dir = adapters.path;
    running_server srv(opt);

    const std::string inside = "dataset: must be inside " + data.path;
    for (const std::string& dataset : {elsewhere.path, elsewhere.path + "/missing", std::string("/etc"),
                                       data.path + "/../" + std::filesystem::path(elsewhere.path).filename().string(),
                                       data.path + "/link", data.path + "/link/train.jsonl", std::string("")}) {
        auto r = srv.post("/api/training", {{"dataset", dataset}});
        expect_error(r, 400, "path_not_allowed", inside);
        // The same answer whether the file exists or not.
        EXPECT_EQ(nlohmann::json::parse(r->body)["error"]["message"], inside) << dataset;
    }
    // Inside the folder, the dataset's own checks run (and name the file).
    expect_error(srv.post("/api/training", {{"dataset", data.path + "/set"}}), 400, "invalid_dataset", data.path);

    const std::string adapter_inside = "path: must be inside " + adapters.path + " or " + srv.dir.path + "/runs";
    for (const std::string& path : {elsewhere.path, elsewhere.path + "/missing", std::string("/etc/passwd"),
                                    adapters.path + "/../" + std::filesystem::path(elsewhere.path).filename().string()}) {
        auto r = srv.post("/api/adapters", {{"name", "x"}, {"path", path}});
        expect_error(r, 400, "path_not_allowed", adapter_inside);
        EXPECT_EQ(nlohmann::json::parse(r->body)["error"]["message"], adapter_inside) << path;
    }
    // Inside, the loader's own error names the file.
    auto missing = srv.post("/api/adapters", {{"name", "x"}, {"path", adapters.path + "/none"}});
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 400);
    EXPECT_NE(missing->body.find(adapters.path + "/none"), std::string::npos) << missing->body;
}

// 300 clients trickle their request heads a byte at a time: they hold no thread, so the
// liveness check still answers; with a cap below 300, the longest waiting make room.
void slow_clients_leave_health_answering(const server_options& opt) {
    running_server srv(opt);
    std::vector<std::unique_ptr<raw_socket>> slow;
    for (int i = 0; i < 300; i++) {
        slow.push_back(std::make_unique<raw_socket>(server_port(*srv.s)));
        ASSERT_GE(slow.back()->fd, 0) << i;
    }
    const std::string head = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    std::atomic<bool> done{false};
    std::thread trickle([&] {
        for (size_t k = 0; !done; k++) {
            for (auto& s : slow) s->send_all(std::string(1, head[std::min(k, head.size() - 1)]));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // every slow client has begun
    const auto start = std::chrono::steady_clock::now();
    httplib::Client fresh("127.0.0.1", server_port(*srv.s));
    fresh.set_read_timeout(20, 0);
    auto health = fresh.Get("/health");
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    done = true;
    trickle.join();
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_LT(waited, 5.0);  // a liveness bound (measured: milliseconds)
}

TEST(Hardening, TricklingHeadsDoNotStarveTheServer) { slow_clients_leave_health_answering({}); }

TEST(Hardening, AtTheConnectionCapTheLongestWaitingHeadMakesRoom) {
    server_options opt;
    opt.max_connections = 50;
    slow_clients_leave_health_answering(opt);
}

TEST(Hardening, AHeadNotCompleteInTimeIsCutOff) {
    server_options opt;
    opt.head_timeout_s = 1;
    running_server srv(opt);
    raw_socket c(server_port(*srv.s));
    ASSERT_GE(c.fd, 0);
    const auto start = std::chrono::steady_clock::now();
    // A byte every 200 ms: each recv succeeds, but the head as a whole is late.
    std::string got;
    for (const char ch : std::string("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaa")) {
        if (!c.send_all(std::string(1, ch))) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (std::chrono::steady_clock::now() - start > std::chrono::seconds(8)) break;
    }
    const std::string reply = c.receive(2);
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(reply, "");  // closed without an answer
    EXPECT_LT(waited, 8.0);  // the sends failed once the server closed, long before the head ended
}

// Inputs the HTTP fuzz target once crashed the server with (fuzz/regressions/http/), replayed
// through the same entry point: each gets an HTTP answer, and the server still serves.
TEST(Hardening, FuzzRegressionsGetAnAnswer) {
    running_server srv;
    for (const std::string& path : test::fuzz_regressions("http")) {
        const std::string reply = server_handle_request(*srv.s, file_read(path));
        EXPECT_EQ(reply.rfind("HTTP/1.1 ", 0), 0u) << path << ": " << reply.substr(0, 200);
    }
    EXPECT_EQ(srv.get_json("/health")["status"], "ok");
}

}  // namespace
}  // namespace clinote

