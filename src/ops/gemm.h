// F32 matrix products through OpenBLAS, run on the ops thread pool (ops/parallel.h).
// OpenBLAS is kept single-threaded: its own threads would be a third set of workers beside
// the pool and OpenMP, and on a 2-core machine they spent ~17% of a training step yielding
// to each other (perf, docs/experiments.md, benchmark history). A parallel product instead splits its output
// into panels, one single-threaded OpenBLAS call per panel, on the same pool as every
// other op; code already running on the pool calls gemm_f32_serial for its own tiles.
#pragma once
#include <cstdint>

namespace clinote {

// C = alpha·op(A)·op(B) + beta·C, row-major as cblas_sgemm: op(A) is m × k, op(B) is k × n,
// op(X) = Xᵀ when trans_x. The output is split into panels across the pool's threads.
void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
              const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// y = A·x for a row-major m × n matrix A, rows split across the pool's threads.
void gemv_f32(int64_t m, int64_t n, const float* a, int64_t lda, const float* x, float* y);

// The same product as gemm_f32, on the calling thread only.
void gemm_f32_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                     int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace clinote
