// A persistent set of worker threads for the forward pass's parallel loops: threads are
// created once, so a decoded token (a few hundred parallel loops of tens of microseconds)
// pays a wake-up, not a thread start, per loop. Workers spin briefly between loops (the
// next one usually comes within microseconds) and then sleep, so an idle pool costs no CPU.
// A loop ends when its work is done, whichever threads did it: the caller does not wait for
// a worker that has not woken up yet.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
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
        using callable = std::remove_reference_t<F>;  // possibly const: a named lambda passed as is
        run_erased(n, grain, [](void* ctx, int64_t b, int64_t e) { (*static_cast<callable*>(ctx))(b, e); },
                   const_cast<void*>(static_cast<const void*>(&fn)));
    }

  private:
    using task_fn = void (*)(void* ctx, int64_t begin, int64_t end);
    void run_erased(int64_t n, int64_t grain, task_fn fn, void* ctx);
    void worker_loop();
    // Claims and runs chunks of the current loop until none is left.
    void work_on_current_job();
    bool claim_chunk(int64_t& begin, int64_t& end);

    std::vector<std::thread> workers_;
    std::mutex run_mutex_;  // one loop at a time, whichever thread calls
    // The current loop. Written only when every chunk of the previous loop is finished, and
    // read only by a thread holding one of this loop's chunks, so a worker that wakes late
    // never reads a loop's fields while the next loop is being written.
    task_fn fn_ = nullptr;
    void* ctx_ = nullptr;
    int64_t n_ = 0, chunk_ = 1;
    // Loop number (high 32 bits), its chunk count (16 bits) and the next unclaimed chunk
    // (low 16 bits), claimed with a compare-and-swap of the whole word: a late worker cannot
    // claim from a loop that has moved on, and the caller waits for finished chunks, never
    // for a worker that is still asleep (on a machine with more runnable threads than cores
    // a sleeping worker may take milliseconds to be scheduled, only to find nothing left).
    std::atomic<uint64_t> ticket_{0};
    std::atomic<int64_t> done_{0};         // chunks of the current loop finished
    std::atomic<uint32_t> generation_{0};  // bumped per loop: what idle workers wait on
    std::atomic<bool> stop_{false};
};

}  // namespace clinote
