#include "core/thread_pool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CLINOTE_CPU_RELAX() _mm_pause()
#else
#define CLINOTE_CPU_RELAX() std::this_thread::yield()
#endif

namespace clinote {

namespace {
// How long a worker polls for the next loop before sleeping: about 50-200 µs, longer than
// the gap between two matmuls of a decoded token, far shorter than a human-visible pause.
constexpr int spin_iterations = 1 << 12;
thread_local bool inside_pool_loop = false;
}  // namespace

thread_pool::thread_pool(int n_threads) {
    for (int i = 1; i < std::max(1, n_threads); i++) workers_.emplace_back([this] { worker_loop(); });
}

thread_pool::~thread_pool() {
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    for (std::thread& t : workers_) t.join();
}

bool thread_pool::claim_chunk(int64_t& begin, int64_t& end) {
    uint64_t t = ticket_.load(std::memory_order_acquire);
    for (;;) {
        const uint64_t next = t & 0xffff, total = (t >> 16) & 0xffff;
        if (next >= total) return false;
        if (ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
            begin = int64_t(next) * chunk_;
            end = std::min(n_, begin + chunk_);
            return true;
        }
    }
}

void thread_pool::work_on_current_job() {
    const bool was_inside = inside_pool_loop;
    inside_pool_loop = true;
    int64_t begin = 0, end = 0;
    while (claim_chunk(begin, end)) {
        fn_(ctx_, begin, end);
        done_.fetch_add(1, std::memory_order_release);
    }
    inside_pool_loop = was_inside;
}

void thread_pool::worker_loop() {
    uint32_t seen = 0;  // generation 0 is the pool's start, with no loop
    for (;;) {
        uint32_t now = seen;
        for (int i = 0; i < spin_iterations && now == seen; i++) {
            if (i % 256 == 255) std::this_thread::yield();  // a shared machine: let others run
            else CLINOTE_CPU_RELAX();
            now = generation_.load(std::memory_order_acquire);
        }
        while (now == seen) {
            generation_.wait(seen, std::memory_order_acquire);
            now = generation_.load(std::memory_order_acquire);
        }
        seen = now;
        if (stop_.load(std::memory_order_acquire)) return;
        // Whatever loop is current now (a later one than `now` if this thread slept
        // through some): claim_chunk only hands out chunks of a loop still running.
        work_on_current_job();
    }
}

void thread_pool::run_erased(int64_t n, int64_t grain, task_fn fn, void* ctx) {
    if (n <= 0) return;
    if (workers_.empty() || inside_pool_loop || n <= grain) return fn(ctx, 0, n);
    std::lock_guard<std::mutex> lock(run_mutex_);
    // Four chunks per thread: a thread slowed by another process (these machines are
    // shared) leaves its later chunks to the others. At most 0xffff chunks fit the ticket.
    const int64_t chunks = std::min<int64_t>(int64_t(size()) * 4, 0xffff);
    fn_ = fn;
    ctx_ = ctx;
    n_ = n;
    chunk_ = std::max(grain, (n + chunks - 1) / chunks);
    const int64_t total = (n + chunk_ - 1) / chunk_;
    done_.store(0, std::memory_order_relaxed);
    const uint64_t loop = (ticket_.load(std::memory_order_relaxed) >> 32) + 1;
    ticket_.store(loop << 32 | uint64_t(total) << 16, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    work_on_current_job();
    // Chunks other threads still run: spin briefly, then yield, as on a machine with more
    // runnable threads than cores the thread we wait for may need this core to finish.
    for (int i = 0; done_.load(std::memory_order_acquire) < total; i++) {
        if (i < spin_iterations) CLINOTE_CPU_RELAX();
        else std::this_thread::yield();
    }
}

}  // namespace clinote
