#include "server/http_gate.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "core/error.h"

namespace clinote {

using gate_clock = std::chrono::steady_clock;

struct gate_connection {
    int fd = -1;
    std::string buf;  // bytes read but not yet given to the library (a head, maybe more)
    size_t pos = 0;
    gate_clock::time_point deadline;
    size_t served = 0;
    ~gate_connection() {
        if (fd >= 0) {
            ::shutdown(fd, SHUT_RDWR);
            ::close(fd);
        }
    }
    bool head_complete() const { return buf.find("\r\n\r\n", pos) != std::string::npos; }
};

namespace {

// Larger heads are refused: the library allows 8 KiB per line and 100 header lines, far
// beyond any real client's.
constexpr size_t head_max_bytes = 64 * 1024;

int remaining_ms(gate_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - gate_clock::now()).count();
    return int(std::clamp<long long>(left, 0, 1 << 30));
}

bool poll_one(int fd, short events, int timeout_ms) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, timeout_ms) > 0 && (p.revents & (events | POLLHUP | POLLERR));
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if ((peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len)
              : ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len)) != 0)
        return;
    char text[INET6_ADDRSTRLEN] = "";
    if (a.ss_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
        inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
        port = ntohs(v6->sin6_port);
    } else {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
        inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
        port = ntohs(v4->sin_port);
    }
    ip = text;
}

// One request's stream: the collected bytes first, then the socket, every read before the
// request's deadline.
class gate_stream : public httplib::Stream {
public:
    gate_stream(gate_connection& c, gate_clock::time_point deadline, double write_timeout_s)
        : c_(c), deadline_(deadline), write_timeout_ms_(int(write_timeout_s * 1000)) {}

    bool is_readable() const override {
        return c_.pos < c_.buf.size() || poll_one(c_.fd, POLLIN, remaining_ms(deadline_));
    }
    // As the library's own socket stream: writable, and the peer has not hung up (a
    // waiting client's job is cancelled when it has).
    bool is_writable() const override {
        if (!poll_one(c_.fd, POLLOUT, write_timeout_ms_)) return false;
        if (!poll_one(c_.fd, POLLIN, 0)) return true;
        char byte;
        return ::recv(c_.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
    }
    ssize_t read(char* ptr, size_t size) override {
        if (c_.pos < c_.buf.size()) {
            const size_t n = std::min(size, c_.buf.size() - c_.pos);
            std::copy_n(c_.buf.data() + c_.pos, n, ptr);
            c_.pos += n;
            return ssize_t(n);
        }
        if (!poll_one(c_.fd, POLLIN, remaining_ms(deadline_))) return -1;
        return ::recv(c_.fd, ptr, size, 0);
    }
    ssize_t write(const char* ptr, size_t size) override {
        if (!poll_one(c_.fd, POLLOUT, write_timeout_ms_)) return -1;
        return ::send(c_.fd, ptr, size, MSG_NOSIGNAL);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override { address_of(c_.fd, true, ip, port); }
    void get_local_ip_and_port(std::string& ip, int& port) const override { address_of(c_.fd, false, ip, port); }
    socket_t socket() const override { return c_.fd; }

private:
    gate_connection& c_;
    gate_clock::time_point deadline_;
    int write_timeout_ms_;
};

// The library's accept loop hands each socket to its task queue; running it at once hands
// it to the collector without a thread of its own.
struct inline_task_queue : httplib::TaskQueue {
    void enqueue(std::function<void()> fn) override { fn(); }
    void shutdown() override {}
};

}  // namespace

http_gate_server::http_gate_server() = default;
http_gate_server::~http_gate_server() { gate_stop(); }

void http_gate_server::gate_start(const http_gate_options& opt) {
    opt_ = opt;
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) fail("eventfd", "cannot create");
    pool_ = std::make_unique<httplib::ThreadPool>(opt.threads);
    new_task_queue = [] { return new inline_task_queue; };
    collector_ = std::thread([this] { collect(); });
}

void http_gate_server::gate_stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_ || !collector_.joinable()) return;
        stopping_ = true;
    }
    wake();
    collector_.join();
    pool_->shutdown();  // requests in progress finish; their connections then close
    std::lock_guard<std::mutex> lock(mu_);
    waiting_.clear();
    ::close(wake_fd_);
}

size_t http_gate_server::gate_connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_.size() + active_;
}

void http_gate_server::wake() {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

bool http_gate_server::process_and_close_socket(socket_t sock) {
    auto c = std::make_unique<gate_connection>();
    c->fd = sock;
    c->deadline = gate_clock::now() + std::chrono::duration_cast<gate_clock::duration>(
                                          std::chrono::duration<double>(opt_.head_timeout_s));
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    if (waiting_.size() + active_ >= opt_.max_connections) {
        // Full: the connection that has waited longest for its head makes room; when every
        // connection is being served, the new one is refused.
        auto oldest = std::min_element(waiting_.begin(), waiting_.end(),
                                       [](const auto& a, const auto& b) { return a->deadline < b->deadline; });
        if (oldest == waiting_.end()) return false;  // c closes the socket
        waiting_.erase(oldest);
    }
    waiting_.push_back(std::move(c));
    wake();
    return true;
}

void http_gate_server::collect() {
    std::vector<pollfd> fds;
    for (;;) {
        std::vector<std::unique_ptr<gate_connection>> ready;
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (stopping_) return;
            const auto now = gate_clock::now();
            auto keep = waiting_.begin();
            for (auto& c : waiting_) {
                if (c->head_complete()) ready.push_back(std::move(c));
                else if (c->deadline > now) *keep++ = std::move(c);
                // else: head not complete in time; the connection closes as it is dropped
            }
            waiting_.erase(keep, waiting_.end());
            active_ += ready.size();
            fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
            for (auto& c : waiting_) fds.push_back(pollfd{c->fd, POLLIN, 0});
        }
        for (auto& c : ready) pool_->enqueue([this, conn = c.release()] { serve(std::unique_ptr<gate_connection>(conn)); });
        if (!ready.empty()) continue;

        // Wake at least every 100 ms to enforce the deadlines.
        if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
        if (fds[0].revents & POLLIN) {
            uint64_t n;
            [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &n, sizeof n);
        }
        std::lock_guard<std::mutex> lock(mu_);
        for (size_t i = 1; i < fds.size(); i++) {
            if (!fds[i].revents) continue;
            // The connection may have been displaced since the poll began.
            auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](const auto& c) { return c->fd == fds[i].fd; });
            if (it == waiting_.end()) continue;
            gate_connection& c = **it;
            char chunk[4096];
            const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, MSG_DONTWAIT);
            if (n > 0) c.buf.append(chunk, size_t(n));
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || c.buf.size() - c.pos > head_max_bytes)
                waiting_.erase(it);
        }
    }
}

void http_gate_server::serve(std::unique_ptr<gate_connection> c) {
    const auto body_deadline = gate_clock::now() + std::chrono::duration_cast<gate_clock::duration>(
                                                       std::chrono::duration<double>(opt_.body_timeout_s));
    gate_stream strm(*c, body_deadline, opt_.write_timeout_s);
    c->served++;
    bool connection_closed = false;
    const bool last = c->served >= opt_.keep_alive_max;
    const bool ok = process_request(strm, last, connection_closed, [](httplib::Request&) {});
    std::lock_guard<std::mutex> lock(mu_);
    active_--;
    if (!ok || connection_closed || last || stopping_) return;  // c closes the socket
    // Kept alive: back to the collector for the next head, which may already be buffered.
    c->buf.erase(0, c->pos);
    c->pos = 0;
    c->deadline = gate_clock::now() + std::chrono::duration_cast<gate_clock::duration>(
                                          std::chrono::duration<double>(opt_.head_timeout_s));
    waiting_.push_back(std::move(c));
    wake();
}

}  // namespace clinote
