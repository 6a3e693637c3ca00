// The thread pool every parallel op (forward and backward, matmuls included: ops/gemm.h)
// runs its loops on, sized like OpenMP's team
// (omp_get_max_threads: OMP_NUM_THREADS, or `--threads` through omp_set_num_threads),
// so one setting governs every parallel op.
#pragma once
#include "core/thread_pool.h"

namespace clinote {

// Created on first use for each thread count.
thread_pool& ops_thread_pool();

}  // namespace clinote
