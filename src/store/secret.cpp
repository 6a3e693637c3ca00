#include "store/secret.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <new>

#include <sodium.h>

#include "core/error.h"

namespace clinote {

namespace {

// A signal handler can reach key material only through global state: this table of live
// secrets is that state, and nothing else uses it. A secret that finds no free slot is
// still wiped by its destructor, only not by the signal path.
constexpr int k_max_tracked = 256;
std::atomic<unsigned char*> tracked_data[k_max_tracked];
std::atomic<size_t> tracked_size[k_max_tracked];

void track(unsigned char* p, size_t n) {
    for (int i = 0; i < k_max_tracked; i++) {
        unsigned char* expected = nullptr;
        if (tracked_data[i].compare_exchange_strong(expected, p)) {
            tracked_size[i].store(n);
            return;
        }
    }
}

void untrack(unsigned char* p) {
    for (int i = 0; i < k_max_tracked; i++) {
        unsigned char* expected = p;
        if (tracked_data[i].compare_exchange_strong(expected, nullptr)) return;
    }
}

void release(secret& s) {
    if (!s.data) return;
    untrack(s.data);
    sodium_memzero(s.data, s.size);
    sodium_free(s.data);  // sodium_free wipes the whole allocation again and unlocks it
    s.data = nullptr;
    s.size = 0;
}

void wipe_on_signal(int sig) {
    secret_wipe_all();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

}  // namespace

void sodium_require() {
    if (sodium_init() < 0) fail("libsodium", "initialisation failed");
}

secret::secret(size_t n) {
    sodium_require();
    // sodium_malloc(0) is legal but returns a pointer we could not tell from "nothing".
    data = static_cast<unsigned char*>(sodium_malloc(n ? n : 1));
    if (!data) throw std::bad_alloc();
    size = n;
    sodium_memzero(data, n ? n : 1);
    track(data, n);
}

secret::~secret() { release(*this); }

secret::secret(secret&& other) noexcept : data(other.data), size(other.size) {
    other.data = nullptr;
    other.size = 0;
}

secret& secret::operator=(secret&& other) noexcept {
    if (this != &other) {
        release(*this);
        data = other.data;
        size = other.size;
        other.data = nullptr;
        other.size = 0;
    }
    return *this;
}

void secret_wipe(secret& s) { release(s); }

void secret_truncate(secret& s, size_t n) {
    if (n >= s.size) return;
    sodium_memzero(s.data + n, s.size - n);
    s.size = n;
}

__attribute__((noinline)) void stack_scrub() {
    unsigned char dead_frames[64 * 1024];
    sodium_memzero(dead_frames, sizeof dead_frames);  // sodium_memzero is never optimised away
}

void secret_wipe_all() noexcept {
    for (int i = 0; i < k_max_tracked; i++) {
        unsigned char* p = tracked_data[i].load();
        if (p) sodium_memzero(p, tracked_size[i].load());
    }
}

void secret_install_exit_wipe() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_handler = wipe_on_signal;
        sigemptyset(&sa.sa_mask);
        for (int sig : {SIGTERM, SIGINT}) {
            struct sigaction old {};
            sigaction(sig, nullptr, &old);
            // Leave a handler the host program installed (a server's graceful shutdown) alone:
            // its shutdown path locks the vault itself.
            if (old.sa_handler == SIG_DFL) sigaction(sig, &sa, nullptr);
        }
        std::atexit([] { secret_wipe_all(); });
    });
}

}  // namespace clinote
