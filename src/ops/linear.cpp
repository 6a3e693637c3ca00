#include "ops/linear.h"

#include <cblas.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
#include "quant/quant.h"

namespace clinote {

static const uint8_t* row_ptr(const tensor_view& w, int64_t row) {
    return static_cast<const uint8_t*>(w.data) + size_t(row) * dtype_row_bytes(w.type, w.cols());
}

static void linear_one_token(const tensor_view& w, const float* bias, const float* x, float* y) {
    const int64_t n_out = w.rows(), n_in = w.cols();
    if (w.type == dtype::f32) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, int(n_out), int(n_in), 1.0f, static_cast<const float*>(w.data),
                    int(n_in), x, 1, 0.0f, y, 1);
    } else {
#pragma omp parallel
        {
            std::vector<float> row(static_cast<size_t>(n_in));
#pragma omp for schedule(static)
            for (int64_t r = 0; r < n_out; r++) {
                dequantize_row(w.type, row_ptr(w, r), row.data(), n_in);
                float sum = 0.0f;
                for (int64_t i = 0; i < n_in; i++) sum += row[size_t(i)] * x[i];
                y[r] = sum;
            }
        }
    }
    if (bias)
        for (int64_t r = 0; r < n_out; r++) y[r] += bias[r];
}

void linear_forward(const tensor_view& w, const float* bias, const float* x, float* y, int64_t n_tokens) {
    if (w.shape.size() != 2) fail(w.name, "a linear weight must be 2-D");
    if (n_tokens == 1) return linear_one_token(w, bias, x, y);
    const int64_t n_out = w.rows(), n_in = w.cols();
    if (w.type == dtype::f32) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(n_tokens), int(n_out), int(n_in), 1.0f, x,
                    int(n_in), static_cast<const float*>(w.data), int(n_in), 0.0f, y, int(n_out));
    } else {
        const int64_t block_rows = 256;
        std::vector<float> block(size_t(std::min(block_rows, n_out) * n_in));
        for (int64_t r0 = 0; r0 < n_out; r0 += block_rows) {
            const int64_t nr = std::min(block_rows, n_out - r0);
#pragma omp parallel for schedule(static)
            for (int64_t r = 0; r < nr; r++) dequantize_row(w.type, row_ptr(w, r0 + r), &block[size_t(r * n_in)], n_in);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(n_tokens), int(nr), int(n_in), 1.0f, x,
                        int(n_in), block.data(), int(n_in), 0.0f, y + r0, int(n_out));
        }
    }
    if (bias)
        for (int64_t t = 0; t < n_tokens; t++)
            for (int64_t r = 0; r < n_out; r++) y[t * n_out + r] += bias[r];
}

void linear_backward_input(const tensor_view& w, const float* dy, float* dx, int64_t n_tokens) {
    if (w.shape.size() != 2) fail(w.name, "a linear weight must be 2-D");
    const int64_t n_out = w.rows(), n_in = w.cols();
    if (w.type == dtype::f32) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(n_tokens), int(n_in), int(n_out), 1.0f, dy,
                    int(n_out), static_cast<const float*>(w.data), int(n_in), 1.0f, dx, int(n_in));
        return;
    }
    // dx += dy[:, rows of the block] · block, one block of dequantised rows at a time.
    const int64_t block_rows = 256;
    std::vector<float> block(size_t(std::min(block_rows, n_out) * n_in));
    for (int64_t r0 = 0; r0 < n_out; r0 += block_rows) {
        const int64_t nr = std::min(block_rows, n_out - r0);
#pragma omp parallel for schedule(static)
        for (int64_t r = 0; r < nr; r++) dequantize_row(w.type, row_ptr(w, r0 + r), &block[size_t(r * n_in)], n_in);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(n_tokens), int(n_in), int(nr), 1.0f, dy + r0,
                    int(n_out), block.data(), int(n_in), 1.0f, dx, int(n_in));
    }
}

void linear_backward_weight(const float* x, const float* dy, float* dw, float* dbias, int64_t n_tokens, int64_t n_in,
                            int64_t n_out) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(n_out), int(n_in), int(n_tokens), 1.0f, dy, int(n_out), x,
                int(n_in), 1.0f, dw, int(n_in));
    if (dbias)
        for (int64_t t = 0; t < n_tokens; t++)
            for (int64_t r = 0; r < n_out; r++) dbias[r] += dy[t * n_out + r];
}

void embedding_forward(const tensor_view& table, const int32_t* ids, int64_t n, float* out) {
    const int64_t n_vocab = table.rows(), dim = table.cols();
    for (int64_t t = 0; t < n; t++) {
        if (ids[t] < 0 || ids[t] >= n_vocab)
            fail(table.name, "token id " + std::to_string(ids[t]) + " outside the vocabulary of " + std::to_string(n_vocab));
        dequantize_row(table.type, row_ptr(table, ids[t]), out + t * dim, dim);
    }
}

void embedding_backward(const int32_t* ids, const float* dout, float* dtable, int64_t n, int64_t n_vocab, int64_t dim) {
    for (int64_t t = 0; t < n; t++) {
        if (ids[t] < 0 || ids[t] >= n_vocab)
            fail("embedding_backward", "token id " + std::to_string(ids[t]) + " outside the vocabulary of " +
                                           std::to_string(n_vocab));
        float* row = dtable + int64_t(ids[t]) * dim;
        for (int64_t i = 0; i < dim; i++) row[i] += dout[t * dim + i];
    }
}

}  // namespace clinote
