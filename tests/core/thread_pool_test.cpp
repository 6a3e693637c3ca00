// The persistent thread pool: every index is visited exactly once, on the pool's own
// threads (never new ones), nested and concurrent calls are safe, and thousands of short
// loops with many more threads than cores all complete (a missed wake-up or a loop handed
// to a worker that slept through it would hang or lose indices here).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "core/thread_pool.h"

namespace clinote {
namespace {

TEST(ThreadPool, EveryIndexExactlyOnceOverManyLoops) {
    for (int threads : {1, 2, 3}) {
        thread_pool pool(threads);
        EXPECT_EQ(pool.size(), threads);
        for (int64_t n : {0, 1, 7, 64, 1000, 4099}) {
            for (int64_t grain : {1, 16}) {
                std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
                pool.run(n, grain, [&](int64_t b, int64_t e) {
                    ASSERT_LE(0, b);
                    ASSERT_LT(b, e);
                    ASSERT_LE(e, n);
                    for (int64_t i = b; i < e; i++) hits[size_t(i)]++;
                });
                for (int64_t i = 0; i < n; i++) ASSERT_EQ(hits[size_t(i)].load(), 1) << n << " " << i;
            }
        }
    }
}

TEST(ThreadPool, ThousandsOfLoopsReuseTheSameThreads) {
    thread_pool pool(3);
    std::mutex m;
    std::set<std::thread::id> ids;
    int64_t total = 0;
    for (int rep = 0; rep < 300; rep++) {
        std::atomic<int64_t> sum{0};
        pool.run(96, 1, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; i++) sum += i;
            std::lock_guard<std::mutex> lock(m);
            ids.insert(std::this_thread::get_id());
        });
        total += sum.load();
    }
    EXPECT_EQ(total, 300 * (95 * 96 / 2));
    EXPECT_LE(ids.size(), 3u);  // the caller and the two workers, never a thread per loop
}

TEST(ThreadPool, NestedLoopRunsSeriallyInsteadOfDeadlocking) {
    thread_pool pool(2);
    std::atomic<int> inner{0};
    pool.run(8, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; i++) pool.run(10, 1, [&](int64_t ib, int64_t ie) { inner += int(ie - ib); });
    });
    EXPECT_EQ(inner.load(), 80);
}

TEST(ThreadPool, CallersOnTwoThreadsTakeTurns) {
    thread_pool pool(2);
    std::atomic<int64_t> a{0}, b{0};
    auto caller = [&pool](std::atomic<int64_t>& acc) {
        for (int rep = 0; rep < 100; rep++) pool.run(100, 1, [&](int64_t s, int64_t e) { acc += e - s; });
    };
    std::thread t1(caller, std::ref(a)), t2(caller, std::ref(b));
    t1.join();
    t2.join();
    EXPECT_EQ(a.load(), 10000);
    EXPECT_EQ(b.load(), 10000);
}

// Three callers, each with its own pool of 2 × cores + 1 threads, run thousands of loops
// back to back: short ones (fewer chunks than threads, so most workers wake to find
// nothing), long ones, and ones with unequal chunks, while workers go to sleep and wake
// up at random moments relative to the next loop.
TEST(ThreadPool, OversubscribedShortLoopsAllCompleteExactly) {
    const int threads = 2 * int(std::max(1u, std::thread::hardware_concurrency())) + 1;
    std::atomic<int64_t> worker_chunks{0};
    auto caller = [threads, &worker_chunks](uint32_t seed, std::atomic<int64_t>& bad) {
        thread_pool pool(threads);
        const std::thread::id caller_id = std::this_thread::get_id();
        std::mt19937 rng(seed);
        std::vector<std::atomic<int>> hits(300);
        for (int loop = 0; loop < 4000; loop++) {
            const int64_t n = std::uniform_int_distribution<int64_t>(1, 300)(rng);
            const int64_t grain = loop % 3 == 0 ? 16 : 1;
            for (int64_t i = 0; i < n; i++) hits[size_t(i)].store(0, std::memory_order_relaxed);
            pool.run(n, grain, [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; i++) {
                    volatile double spin = 0;  // a few hundred ns per index, so workers get to take chunks
                    for (int k = 0; k < 64; k++) spin = spin + k;
                    hits[size_t(i)].fetch_add(1, std::memory_order_relaxed);
                }
                if (b == 0 && loop % 50 == 0) std::this_thread::yield();  // one slow chunk now and then
                if (std::this_thread::get_id() != caller_id) worker_chunks++;
            });
            for (int64_t i = 0; i < n; i++) bad += hits[size_t(i)].load(std::memory_order_relaxed) != 1;
            if (loop % 100 == 99) std::this_thread::sleep_for(std::chrono::microseconds(300));  // workers fall asleep
        }
    };
    std::atomic<int64_t> bad_a{0}, bad_b{0}, bad_c{0};
    std::thread a(caller, 1u, std::ref(bad_a)), b(caller, 2u, std::ref(bad_b)), c(caller, 3u, std::ref(bad_c));
    a.join();
    b.join();
    c.join();
    EXPECT_EQ(bad_a.load() + bad_b.load() + bad_c.load(), 0);
    std::printf("chunks run by workers: %lld\n", (long long)worker_chunks.load());
}

}  // namespace
}  // namespace clinote
