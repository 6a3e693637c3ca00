#include "ops/parallel.h"

#include <omp.h>

#include <map>
#include <memory>
#include <mutex>

namespace clinote {

thread_pool& ops_thread_pool() {
    // One pool per thread count ever asked for, kept for the process's life: a caller on
    // another thread (whose OpenMP count may differ) never pulls a pool from under a loop.
    static std::mutex m;
    static std::map<int, std::unique_ptr<thread_pool>> pools;
    const int want = omp_get_max_threads();
    std::lock_guard<std::mutex> lock(m);
    std::unique_ptr<thread_pool>& p = pools[want];
    if (!p) p = std::make_unique<thread_pool>(want);
    return *p;
}

}  // namespace clinote
