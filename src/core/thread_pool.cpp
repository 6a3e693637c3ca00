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

void thread_pool::work_on_current_job() {
    const bool was_inside = inside_pool_loop;
    inside_pool_loop = true;
    for (;;) {
        const int64_t begin = next_.fetch_add(chunk_, std::memory_order_relaxed);
        if (begin >= n_) break;
        fn_(ctx_, begin, std::min(n_, begin + chunk_));
    }
    inside_pool_loop = was_inside;
}

void thread_pool::worker_loop() {
    // Generation 0 is the pool's start: a loop published before this thread first runs
    // must still be seen as new.
    uint32_t seen = 0;
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
        work_on_current_job();
        busy_.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void thread_pool::run_erased(int64_t n, int64_t grain, task_fn fn, void* ctx) {
    if (n <= 0) return;
    if (workers_.empty() || inside_pool_loop || n <= grain) return fn(ctx, 0, n);
    std::lock_guard<std::mutex> lock(run_mutex_);
    // Four chunks per thread: a thread slowed by another process (these machines are
    // shared) leaves its later chunks to the others.
    const int64_t chunks = int64_t(size()) * 4;
    fn_ = fn;
    ctx_ = ctx;
    n_ = n;
    chunk_ = std::max(grain, (n + chunks - 1) / chunks);
    next_.store(0, std::memory_order_relaxed);
    busy_.store(int(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    work_on_current_job();
    // Spin briefly, then yield: on a machine with more runnable threads than cores the
    // workers we wait for may need this core to finish.
    for (int i = 0; busy_.load(std::memory_order_acquire) != 0; i++) {
        if (i < spin_iterations) CLINOTE_CPU_RELAX();
        else std::this_thread::yield();
    }
}

}  // namespace clinote
