// A persistent set of worker threads for the forward pass's parallel loops: threads are
// created once, so a decoded token (a few hundred parallel loops of tens of microseconds)
// pays a wake-up, not a thread start, per loop. Workers spin briefly between loops (the
// next one usually comes within microseconds) and then sleep, so an idle pool costs no CPU.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace clinote {

class thread_pool {
  public:
    // n_threads counts the calling thread, which works too: 1 means no extra threads.
    explicit thread_pool(int n_threads);
    ~thread_pool();
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;

    int size() const { return int(workers_.size()) + 1; }

    // Calls fn(begin, end) on disjoint ranges covering [0, n), in chunks of at least
    // `grain`, on all threads; returns when every range is done. Called from inside a
    // running loop (or with one thread), it runs serially on the calling thread.
    template <typename F>
    void run(int64_t n, int64_t grain, F&& fn) {
        run_erased(n, grain, [](void* ctx, int64_t b, int64_t e) { (*static_cast<F*>(ctx))(b, e); }, &fn);
    }

  private:
    using task_fn = void (*)(void* ctx, int64_t begin, int64_t end);
    void run_erased(int64_t n, int64_t grain, task_fn fn, void* ctx);
    void worker_loop();
    void work_on_current_job();

    std::vector<std::thread> workers_;
    std::mutex run_mutex_;  // one loop at a time, whichever thread calls
    // The current job, published by bumping generation_.
    task_fn fn_ = nullptr;
    void* ctx_ = nullptr;
    int64_t n_ = 0, chunk_ = 1;
    std::atomic<int64_t> next_{0};
    std::atomic<int> busy_{0};  // workers still on the current job
    std::atomic<uint32_t> generation_{0};
    std::atomic<bool> stop_{false};
};

}  // namespace clinote
