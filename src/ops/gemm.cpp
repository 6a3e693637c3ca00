#include "ops/gemm.h"

#include <cblas.h>

#include <algorithm>
#include <mutex>

#include "ops/parallel.h"

namespace clinote {

// Multiply-adds below which waking the pool costs more than a second core saves (~0.5 MFLOP).
constexpr int64_t min_parallel_work = int64_t(1) << 18;

static void blas_make_single_threaded() {
    static std::once_flag once;
    std::call_once(once, [] { openblas_set_num_threads(1); });
}

void gemm_f32_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                     int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    if (m <= 0 || n <= 0) return;
    blas_make_single_threaded();
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, int(m),
                int(n), int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}

void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
              const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    thread_pool& pool = ops_thread_pool();
    if (pool.size() == 1 || m * n * k < min_parallel_work) {
        gemm_f32_serial(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    // Split the longer side of C into one part per thread, in multiples of 32 (whole register
    // tiles of OpenBLAS's kernels). Each part repacks the whole other operand, so more parts
    // than threads cost packing: with four per thread, repacking the weight of y = x·Wᵀ was
    // ~12% of a training step's sgemm time.
    const int64_t panel = 32;
    const auto panels_per_part = [&](int64_t panels) { return (panels + pool.size() - 1) / pool.size(); };
    if (n >= m) {
        const int64_t panels = (n + panel - 1) / panel;
        pool.run(panels, panels_per_part(panels), [&](int64_t p0, int64_t p1) {
            const int64_t j0 = p0 * panel, j1 = std::min(n, p1 * panel);
            const float* b_panel = trans_b ? b + j0 * ldb : b + j0;
            gemm_f32_serial(trans_a, trans_b, m, j1 - j0, k, alpha, a, lda, b_panel, ldb, beta, c + j0, ldc);
        });
    } else {
        const int64_t panels = (m + panel - 1) / panel;
        pool.run(panels, panels_per_part(panels), [&](int64_t p0, int64_t p1) {
            const int64_t i0 = p0 * panel, i1 = std::min(m, p1 * panel);
            const float* a_panel = trans_a ? a + i0 : a + i0 * lda;
            gemm_f32_serial(trans_a, trans_b, i1 - i0, n, k, alpha, a_panel, lda, b, ldb, beta, c + i0 * ldc, ldc);
        });
    }
}

void gemv_f32(int64_t m, int64_t n, const float* a, int64_t lda, const float* x, float* y) {
    blas_make_single_threaded();
    const auto rows = [&](int64_t r0, int64_t r1) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, int(r1 - r0), int(n), 1.0f, a + r0 * lda, int(lda), x, 1, 0.0f, y + r0, 1);
    };
    if (m * n < min_parallel_work) return rows(0, m);
    ops_thread_pool().run(m, 64, rows);
}

}  // namespace clinote
