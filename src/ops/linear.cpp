#include "ops/linear.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/uninit_vector.h"
#include "ops/dot.h"
#include "ops/gemm.h"
#include "ops/parallel.h"
#include "quant/quant.h"
#include "quant/vec_dot.h"

namespace clinote {

static const uint8_t* row_ptr(const tensor_view& w, int64_t row) {
    return static_cast<const uint8_t*>(w.data) + size_t(row) * dtype_row_bytes(w.type, w.cols());
}

// Activations quantised to 8 bits once per call, then integer dot products against the
// weight rows in place (quant/vec_dot.h), on the persistent pool. Rows are split across
// threads; with several tokens (fewer than int8_max_tokens, a few KB each, so they stay in
// cache) each weight row is read once for all of them.
static void linear_int8(const vec_dot_kernels& k, const tensor_view& w, const float* x, float* y, int64_t n_tokens) {
    const int64_t n_out = w.rows(), n_in = w.cols();
    const size_t act_row_bytes = size_t(n_in / k.block_size) * k.act_block_bytes;
    // The row stride once, not per row: a decoded token makes ~40,000 row dots.
    const size_t w_row_bytes = dtype_row_bytes(w.type, n_in);
    const auto* w_rows = static_cast<const uint8_t*>(w.data);
    std::vector<uint8_t> xq(act_row_bytes * size_t(n_tokens));
    thread_pool& pool = ops_thread_pool();
    pool.run(n_tokens, 1, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; t++) k.quantize_act(x + t * n_in, xq.data() + size_t(t) * act_row_bytes, n_in);
    });
    if (n_tokens == 1) {
        pool.run(n_out, 16, [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; r++) y[r] = k.dot(n_in, w_rows + size_t(r) * w_row_bytes, xq.data());
        });
        return;
    }
    pool.run(n_out, 32, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++)
            k.dot_tokens(n_in, w_rows + size_t(r) * w_row_bytes, xq.data(), act_row_bytes, n_tokens, y + r, n_out);
    });
}

// Rows [r0, r0 + nr) of a non-F32 weight as F32 into block, on the pool.
static void dequantize_rows(const tensor_view& w, int64_t r0, int64_t nr, float* block) {
    const int64_t n_in = w.cols();
    ops_thread_pool().run(nr, 8, [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; r++) dequantize_row(w.type, row_ptr(w, r0 + r), block + r * n_in, n_in);
    });
}

// Several tokens of a non-F32 weight through OpenBLAS: blocks of rows dequantised to F32,
// then sgemm, so a quantised weight is never held as a whole F32 copy.
static void linear_dequant_sgemm(const tensor_view& w, const float* x, float* y, int64_t n_tokens) {
    const int64_t n_out = w.rows(), n_in = w.cols();
    const int64_t block_rows = 256;
    std::vector<float> block(size_t(std::min(block_rows, n_out) * n_in));
    for (int64_t r0 = 0; r0 < n_out; r0 += block_rows) {
        const int64_t nr = std::min(block_rows, n_out - r0);
        dequantize_rows(w, r0, nr, block.data());
        gemm_f32(false, true, n_tokens, nr, n_in, 1.0f, x, n_in, block.data(), n_in, 0.0f, y + r0, n_out);
    }
}

// A prompt of a non-F32 weight on AMX (int8 mode): Yᵀ = W·Xᵀ, so the tokens are packed once
// as BF16 panels and each block of weight rows, dequantised, is only rounded into tiles.
static void linear_dequant_amx(const tensor_view& w, const float* x, float* y, int64_t n_tokens) {
    const int64_t n_out = w.rows(), n_in = w.cols();
    const bf16_panels tokens = bf16_panels_pack(bf16_path::amx, x, n_tokens, n_in, true);
    const int64_t block_rows = 512;
    uninit_floats block(size_t(std::min(block_rows, n_out) * n_in)), y_t(size_t(std::min(block_rows, n_out) * n_tokens));
    for (int64_t r0 = 0; r0 < n_out; r0 += block_rows) {
        const int64_t nr = std::min(block_rows, n_out - r0);
        dequantize_rows(w, r0, nr, block.data());
        gemm_bf16_tiles(bf16_path::amx, bf16_tiles_pack(bf16_path::amx, block.data(), nr, n_in, n_in), tokens, y_t.data(),
                        n_tokens, false);
        // y[t, r0 + r] = y_t[r, t] in 16 × 16 squares, each read and written in cache lines.
        const int64_t square = 16;
        ops_thread_pool().run((n_tokens + square - 1) / square, 1, [&](int64_t s0, int64_t s1) {
            for (int64_t t0 = s0 * square; t0 < std::min(n_tokens, s1 * square); t0 += square)
                for (int64_t r1 = 0; r1 < nr; r1 += square)
                    for (int64_t t = t0; t < std::min(n_tokens, t0 + square); t++)
                        for (int64_t r = r1; r < std::min(nr, r1 + square); r++)
                            y[t * n_out + r0 + r] = y_t[size_t(r * n_tokens + t)];
        });
    }
}

// One token of a non-F32 weight: rows dequantised one at a time and dotted in F32.
static void linear_float_rows(const tensor_view& w, const float* x, float* y) {
    const int64_t n_out = w.rows(), n_in = w.cols();
    ops_thread_pool().run(n_out, 16, [&](int64_t r0, int64_t r1) {
        std::vector<float> row(static_cast<size_t>(n_in));
        for (int64_t r = r0; r < r1; r++) {
            dequantize_row(w.type, row_ptr(w, r), row.data(), n_in);
            y[r] = dot_f32(row.data(), x, n_in);
        }
    });
}

// From this many tokens on (a prompt's prefill) int8 mode multiplies dequantised blocks of
// rows with sgemm too: OpenBLAS's F32 kernel does ~30 multiply-adds a cycle, the int8 tile
// (one weight row, four tokens) ~19, and a block's dequantisation is shared by every token.
// Prefill 512 at 2 threads: Q4_1 470 -> 619, Q8_0 502 -> 586 tokens/s (docs/experiments.md, benchmark history).
constexpr int64_t int8_max_tokens = 32;

static void bias_add(const float* bias, float* y, int64_t n_tokens, int64_t n_out) {
    if (!bias) return;
    for (int64_t t = 0; t < n_tokens; t++)
        for (int64_t r = 0; r < n_out; r++) y[t * n_out + r] += bias[r];
}

matmul_mode matmul_mode_parse(const std::string& name, const std::string& where) {
    if (name == "float") return matmul_mode::f32;
    if (name == "int8") return matmul_mode::int8;
    fail(where, "unknown matmul mode \"" + name + "\" (float or int8)");
}

const char* matmul_mode_name(matmul_mode mode) { return mode == matmul_mode::int8 ? "int8" : "float"; }

void linear_forward(const tensor_view& w, const float* bias, const float* x, float* y, int64_t n_tokens,
                    matmul_mode mode, const bf16_weight* w_bf16) {
    if (w.shape.size() != 2) fail(w.name, "a linear weight must be 2-D");
    const int64_t n_out = w.rows(), n_in = w.cols();
    if (w_bf16) {
        gemm_bf16(bf16_path_select(), x, n_tokens, n_in, w_bf16->transposed, y, n_out, false);
        return bias_add(bias, y, n_tokens, n_out);
    }
    const vec_dot_kernels* k =
        mode == matmul_mode::int8 ? vec_dot_kernels_for(w.type, cpu_path_select()) : nullptr;
    if (w.type == dtype::f32) {
        const auto* wf = static_cast<const float*>(w.data);
        if (n_tokens == 1) gemv_f32(n_out, n_in, wf, n_in, x, y);
        else gemm_f32(false, true, n_tokens, n_out, n_in, 1.0f, x, n_in, wf, n_in, 0.0f, y, n_out);
    } else if (k && n_tokens < int8_max_tokens) {
        linear_int8(*k, w, x, y, n_tokens);
    } else if (k && bf16_path_select() == bf16_path::amx) {
        linear_dequant_amx(w, x, y, n_tokens);
    } else if (n_tokens == 1) {
        linear_float_rows(w, x, y);
    } else {
        linear_dequant_sgemm(w, x, y, n_tokens);
    }
    bias_add(bias, y, n_tokens, n_out);
}

void linear_backward_input(const tensor_view& w, const float* dy, float* dx, int64_t n_tokens,
                           const bf16_weight* w_bf16) {
    if (w.shape.size() != 2) fail(w.name, "a linear weight must be 2-D");
    const int64_t n_out = w.rows(), n_in = w.cols();
    if (w_bf16) return gemm_bf16(bf16_path_select(), dy, n_tokens, n_out, w_bf16->as_is, dx, n_in, true);
    if (w.type == dtype::f32) {
        gemm_f32(false, false, n_tokens, n_in, n_out, 1.0f, dy, n_out, static_cast<const float*>(w.data), n_in, 1.0f,
                 dx, n_in);
        return;
    }
    // dx += dy[:, rows of the block] · block, one block of dequantised rows at a time.
    const int64_t block_rows = 256;
    std::vector<float> block(size_t(std::min(block_rows, n_out) * n_in));
    for (int64_t r0 = 0; r0 < n_out; r0 += block_rows) {
        const int64_t nr = std::min(block_rows, n_out - r0);
        dequantize_rows(w, r0, nr, block.data());
        gemm_f32(false, false, n_tokens, n_in, nr, 1.0f, dy + r0, n_out, block.data(), n_in, 1.0f, dx, n_in);
    }
}

void linear_backward_weight(const float* x, const float* dy, float* dw, float* dbias, int64_t n_tokens, int64_t n_in,
                            int64_t n_out) {
    gemm_f32(true, false, n_out, n_in, n_tokens, 1.0f, dy, n_out, x, n_in, 1.0f, dw, n_in);
    if (dbias)
        for (int64_t t = 0; t < n_tokens; t++)
            for (int64_t r = 0; r < n_out; r++) dbias[r] += dy[t * n_out + r];
}

bf16_weight bf16_weight_pack(const tensor_view& w) {
    if (w.shape.size() != 2) fail(w.name, "a linear weight must be 2-D");
    const int64_t n_out = w.rows(), n_in = w.cols();
    uninit_floats f32;
    const float* rows = static_cast<const float*>(w.data);
    if (w.type != dtype::f32) {
        f32.resize(size_t(n_out * n_in));
        dequantize_rows(w, 0, n_out, f32.data());
        rows = f32.data();
    }
    const bf16_path path = bf16_path_select();
    return {bf16_panels_pack(path, rows, n_out, n_in, true), bf16_panels_pack(path, rows, n_out, n_in, false)};
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
