// The persistent thread pool: every index is visited exactly once, on the pool's own
// threads (never new ones), nested and concurrent calls are safe.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
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

}  // namespace
}  // namespace clinote
