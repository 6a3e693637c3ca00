// The server's front door: cpp-httplib gives each connection a pool thread from accept on,
// and its read timeout restarts with every byte, so clients trickling their headers one
// byte at a time hold every thread and /health waits. Here one thread collects each
// request's head from all connections at once, with a deadline for the whole head; only a
// complete head takes a pool thread (with a deadline for the whole body), and a kept-alive
// connection goes back to the collector between requests. Connections are capped; at the
// cap a new one displaces the one that has waited longest for its head.
#pragma once
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace clinote {

struct http_gate_options {
    double head_timeout_s = 10;  // from accept (or the previous reply) to the end of the head
    double body_timeout_s = 30;  // from the end of the head to the end of the body
    double write_timeout_s = 30; // per send
    size_t max_connections = 512;
    size_t threads = 80;         // requests processed at once
    size_t keep_alive_max = 100; // requests per connection
};

struct gate_connection;

class http_gate_server : public httplib::Server {
public:
    http_gate_server();
    ~http_gate_server() override;
    // Before listen_after_bind; the options stay as given.
    void gate_start(const http_gate_options& opt);
    // After stop(): closes waiting connections and waits for requests in progress.
    void gate_stop();
    // Connections open now (waiting for a head or being served).
    size_t gate_connections();
    // One request read from a stream and its reply written back, past the gate: the
    // fuzz target's way in without a socket (server_handle_request).
    using httplib::Server::process_request;

private:
    // Called by the library's accept loop (through an inline task queue) with each new socket.
    bool process_and_close_socket(socket_t sock) override;
    void collect();
    void serve(std::unique_ptr<gate_connection> c);
    void wake();

    http_gate_options opt_;
    std::mutex mu_;
    std::vector<std::unique_ptr<gate_connection>> waiting_;
    size_t active_ = 0;
    bool stopping_ = false;
    int wake_fd_ = -1;
    std::thread collector_;
    std::unique_ptr<httplib::ThreadPool> pool_;
};

}  // namespace clinote
