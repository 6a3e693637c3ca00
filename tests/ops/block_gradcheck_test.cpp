// A second line of defence that needs no golden file: one composed transformer block (embedding,
// RMSNorm, LoRA q/v over quantised frozen weights, RoPE, masked GQA attention, GeGLU MLP,
// residuals, an F32 trainable head with bias, soft-cap, cross-entropy) whose backward, chained
// from the ops' backward functions, must match central finite differences of its loss.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "ops/activation.h"
#include "ops/attention_train.h"
#include "ops/linear.h"
#include "ops/lora.h"
#include "ops/loss.h"
#include "ops/norm.h"
#include "ops/rope.h"
#include "quant/quant.h"

namespace clinote {
namespace {

constexpr int64_t n_batch = 2, seq_len = 7, n_tokens = n_batch * seq_len;
constexpr int64_t dim = 32, n_vocab = 50, n_ff = 64, rank = 4;
constexpr int n_head = 4, n_head_kv = 2, head_dim = 8;
constexpr int64_t q_dim = n_head * head_dim, kv_dim = n_head_kv * head_dim;
constexpr float eps = 1e-6f, softcap = 30.0f, lora_scale = 2.0f;

std::vector<float> random_floats(std::mt19937& rng, int64_t n, float scale) {
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = normal(rng);
    return v;
}

// A frozen weight {rows, cols} stored as `type`, from random floats.
struct frozen_weight {
    std::vector<uint8_t> bytes;
    tensor_view view;
    frozen_weight(std::mt19937& rng, dtype type, int64_t rows, int64_t cols) {
        const std::vector<float> w = random_floats(rng, rows * cols, 1.0f / std::sqrt(float(cols)));
        const size_t row_bytes = dtype_row_bytes(type, cols);
        bytes.resize(size_t(rows) * row_bytes);
        for (int64_t r = 0; r < rows; r++) quantize_row(type, &w[size_t(r * cols)], &bytes[size_t(r) * row_bytes], cols);
        view = {"frozen", type, {rows, cols}, bytes.data(), bytes.size()};
    }
};

// Everything trainable, one vector each, so gradients have the same layout.
struct params {
    std::vector<float> table, attn_norm, ffn_norm, out_norm, a_q, b_q, a_v, b_v, head, head_bias;
    std::vector<std::vector<float>*> all() {
        return {&table, &attn_norm, &ffn_norm, &out_norm, &a_q, &b_q, &a_v, &b_v, &head, &head_bias};
    }
};
const char* param_names[] = {"table", "attn_norm", "ffn_norm", "out_norm", "a_q", "b_q", "a_v", "b_v", "head", "head_bias"};

struct block {
    std::mt19937 rng{1234};
    frozen_weight wq{rng, dtype::q8_0, q_dim, dim}, wk{rng, dtype::q4_1, kv_dim, dim}, wv{rng, dtype::q8_0, kv_dim, dim},
        wo{rng, dtype::q8_0, dim, q_dim}, w_gate{rng, dtype::q4_1, n_ff, dim}, w_up{rng, dtype::q4_1, n_ff, dim},
        w_down{rng, dtype::f16, dim, n_ff};
    std::vector<float> inv_freq = rope_inv_freq(10000.0f, head_dim);
    // Row 0: one sequence, the last two tokens padding. Row 1: two packed sequences.
    std::vector<int32_t> ids = {5, 9, 13, 2, 44, 0, 0, 7, 7, 31, 18, 3, 49, 22};
    std::vector<uint8_t> valid = {1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1};
    std::vector<int32_t> segment = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2};
    std::vector<int32_t> positions = {0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 0, 1, 2, 3};
    std::vector<int32_t> targets = {9, 13, 2, 44, -100, -100, -100, 7, 31, -100, 3, 49, 22, -100};
    std::vector<float> mask_q, mask_v;  // LoRA dropout, fixed for the whole check
    attention_shape shape{n_head, n_head_kv, head_dim, 1.0f / std::sqrt(float(head_dim)), 4};
    params p;

    block() {
        p.table = random_floats(rng, n_vocab * dim, 1.0f);
        p.attn_norm = random_floats(rng, dim, 0.3f);
        for (float& w : p.attn_norm) w += 1.0f;
        p.ffn_norm = random_floats(rng, dim, 0.3f);  // Gemma style: w_offset 1 below
        p.out_norm = random_floats(rng, dim, 0.3f);
        for (float& w : p.out_norm) w += 1.0f;
        p.a_q = random_floats(rng, rank * dim, 0.3f);
        p.b_q = random_floats(rng, q_dim * rank, 0.3f);
        p.a_v = random_floats(rng, rank * dim, 0.3f);
        p.b_v = random_floats(rng, kv_dim * rank, 0.3f);
        p.head = random_floats(rng, n_vocab * dim, 0.5f);
        p.head_bias = random_floats(rng, n_vocab, 0.5f);
        mask_q.resize(size_t(n_tokens * dim));
        mask_v.resize(size_t(n_tokens * dim));
        dropout_mask_fill(mask_q.data(), n_tokens * dim, 0.1f, 1);
        dropout_mask_fill(mask_v.data(), n_tokens * dim, 0.1f, 2);
    }

    // The loss at parameters `at`; with `grad`, also adds its gradient there.
    double loss(params& at, params* grad) const {
        using vec = std::vector<float>;
        auto zeros = [](int64_t n) { return vec(static_cast<size_t>(n), 0.0f); };
        const tensor_view table{"table", dtype::f32, {n_vocab, dim}, at.table.data(), 0};
        const tensor_view head{"head", dtype::f32, {n_vocab, dim}, at.head.data(), 0};
        const lora_weights lq{at.a_q.data(), at.b_q.data(), rank, lora_scale};
        const lora_weights lv{at.a_v.data(), at.b_v.data(), rank, lora_scale};
        const attention_mask am{valid.data(), segment.data()};

        vec x0 = zeros(n_tokens * dim), h = zeros(n_tokens * dim);
        embedding_forward(table, ids.data(), n_tokens, x0.data());
        rms_norm_forward(x0.data(), at.attn_norm.data(), 0.0f, eps, h.data(), n_tokens, dim);
        vec q = zeros(n_tokens * q_dim), k = zeros(n_tokens * kv_dim), v = zeros(n_tokens * kv_dim);
        vec xa_q = zeros(n_tokens * rank), xa_v = zeros(n_tokens * rank);
        lora_linear_forward(wq.view, nullptr, lq, h.data(), mask_q.data(), xa_q.data(), q.data(), n_tokens);
        linear_forward(wk.view, nullptr, h.data(), k.data(), n_tokens);
        lora_linear_forward(wv.view, nullptr, lv, h.data(), mask_v.data(), xa_v.data(), v.data(), n_tokens);
        rope_forward_positions(q.data(), n_tokens, n_head, head_dim, positions.data(), inv_freq.data(), rope_layout::halves);
        rope_forward_positions(k.data(), n_tokens, n_head_kv, head_dim, positions.data(), inv_freq.data(),
                               rope_layout::halves);
        vec att = zeros(n_tokens * q_dim), lse = zeros(n_tokens * n_head);
        attention_train_forward(shape, am, q.data(), k.data(), v.data(), att.data(), lse.data(), n_batch, seq_len);
        vec x1 = zeros(n_tokens * dim);
        linear_forward(wo.view, nullptr, att.data(), x1.data(), n_tokens);
        for (size_t i = 0; i < x1.size(); i++) x1[i] += x0[i];
        vec h2 = zeros(n_tokens * dim), gate = zeros(n_tokens * n_ff), up = zeros(n_tokens * n_ff);
        rms_norm_forward(x1.data(), at.ffn_norm.data(), 1.0f, eps, h2.data(), n_tokens, dim);
        linear_forward(w_gate.view, nullptr, h2.data(), gate.data(), n_tokens);
        linear_forward(w_up.view, nullptr, h2.data(), up.data(), n_tokens);
        vec act = zeros(n_tokens * n_ff), x2 = zeros(n_tokens * dim);
        glu_forward(gate.data(), up.data(), act.data(), n_tokens * n_ff, activation::gelu_tanh);
        linear_forward(w_down.view, nullptr, act.data(), x2.data(), n_tokens);
        for (size_t i = 0; i < x2.size(); i++) x2[i] += x1[i];
        vec hf = zeros(n_tokens * dim), logits = zeros(n_tokens * n_vocab), row_lse = zeros(n_tokens);
        rms_norm_forward(x2.data(), at.out_norm.data(), 0.0f, eps, hf.data(), n_tokens, dim);
        linear_forward(head, at.head_bias.data(), hf.data(), logits.data(), n_tokens);
        softcap_forward(logits.data(), n_tokens * n_vocab, softcap);
        const cross_entropy_result ce = cross_entropy_forward(logits.data(), targets.data(), row_lse.data(), n_tokens, n_vocab);
        if (!grad) return ce.loss;

        vec dlogits = zeros(n_tokens * n_vocab);
        cross_entropy_backward(logits.data(), targets.data(), row_lse.data(), 1.0f / float(ce.n_counted), dlogits.data(),
                               n_tokens, n_vocab);
        softcap_backward(logits.data(), dlogits.data(), n_tokens * n_vocab, softcap);
        vec dhf = zeros(n_tokens * dim), dx2 = zeros(n_tokens * dim);
        linear_backward_input(head, dlogits.data(), dhf.data(), n_tokens);
        linear_backward_weight(hf.data(), dlogits.data(), grad->head.data(), grad->head_bias.data(), n_tokens, dim, n_vocab);
        rms_norm_backward(x2.data(), at.out_norm.data(), 0.0f, eps, dhf.data(), dx2.data(), grad->out_norm.data(),
                          n_tokens, dim);
        vec dx1 = dx2, dact = zeros(n_tokens * n_ff), dgate = zeros(n_tokens * n_ff), dup = zeros(n_tokens * n_ff);
        linear_backward_input(w_down.view, dx2.data(), dact.data(), n_tokens);
        glu_backward(gate.data(), up.data(), dact.data(), dgate.data(), dup.data(), n_tokens * n_ff, activation::gelu_tanh);
        vec dh2 = zeros(n_tokens * dim);
        linear_backward_input(w_gate.view, dgate.data(), dh2.data(), n_tokens);
        linear_backward_input(w_up.view, dup.data(), dh2.data(), n_tokens);
        rms_norm_backward(x1.data(), at.ffn_norm.data(), 1.0f, eps, dh2.data(), dx1.data(), grad->ffn_norm.data(),
                          n_tokens, dim);
        vec dx0 = dx1, datt = zeros(n_tokens * q_dim);
        linear_backward_input(wo.view, dx1.data(), datt.data(), n_tokens);
        vec dq = zeros(n_tokens * q_dim), dk = zeros(n_tokens * kv_dim), dv = zeros(n_tokens * kv_dim);
        attention_train_backward(shape, am, q.data(), k.data(), v.data(), att.data(), lse.data(), datt.data(), dq.data(),
                                 dk.data(), dv.data(), n_batch, seq_len);
        rope_backward_positions(dq.data(), n_tokens, n_head, head_dim, positions.data(), inv_freq.data(),
                                rope_layout::halves);
        rope_backward_positions(dk.data(), n_tokens, n_head_kv, head_dim, positions.data(), inv_freq.data(),
                                rope_layout::halves);
        vec dh = zeros(n_tokens * dim);
        lora_linear_backward(wq.view, lq, h.data(), mask_q.data(), xa_q.data(), dq.data(), dh.data(), grad->a_q.data(),
                             grad->b_q.data(), n_tokens);
        linear_backward_input(wk.view, dk.data(), dh.data(), n_tokens);
        lora_linear_backward(wv.view, lv, h.data(), mask_v.data(), xa_v.data(), dv.data(), dh.data(), grad->a_v.data(),
                             grad->b_v.data(), n_tokens);
        rms_norm_backward(x0.data(), at.attn_norm.data(), 0.0f, eps, dh.data(), dx0.data(), grad->attn_norm.data(),
                          n_tokens, dim);
        embedding_backward(ids.data(), dx0.data(), grad->table.data(), n_tokens, n_vocab, dim);
        return ce.loss;
    }
};

// For each parameter tensor, along three random directions d: the analytic g·d must match
// the Richardson combination of central differences at ε = 1e-2 and ε/2 within 1e-2 of
// |g·d|, plus 2e-5·|g|·|d| for the float32 rounding of the loss divided by 2ε (a random
// direction's g·d is ~|g|·|d|/√n, so the floor stays far below the signal). A single central
// difference at ε = 1e-3 was too noisy: its estimate moved by 3.5% of g·d for attn_norm
// between OpenBLAS's SkylakeX and Haswell kernels (the analytic value by 6e-5%), and the
// Haswell kernels, which AVX2-only and AMD CPUs get, failed the bound. With ε = 1e-2 the
// largest difference on both kernels is 1.7e-4 (a_v), 5e-5 for attn_norm.
TEST(BlockGradcheck, BackwardMatchesFiniteDifferences) {
    block b;
    params grad = b.p;
    for (std::vector<float>* g : grad.all()) std::fill(g->begin(), g->end(), 0.0f);
    const double loss = b.loss(b.p, &grad);
    ASSERT_TRUE(std::isfinite(loss));
    EXPECT_GT(loss, 1.0);  // a random head over 50 tokens: near log(50), not degenerate

    std::mt19937 rng(99);
    const float step = 1e-2f;
    std::vector<std::vector<float>*> values = b.p.all(), grads = grad.all();
    for (size_t t = 0; t < values.size(); t++) {
        std::vector<float>& theta = *values[t];
        const std::vector<float> saved = theta;
        double g_norm = 0.0;
        for (float g : *grads[t]) g_norm += double(g) * g;
        g_norm = std::sqrt(g_norm);
        EXPECT_GT(g_norm, 1e-4) << param_names[t] << ": no gradient reached it";
        for (int trial = 0; trial < 3; trial++) {
            const std::vector<float> d = random_floats(rng, int64_t(theta.size()), 1.0f);
            double analytic = 0.0, d_norm = 0.0;
            for (size_t i = 0; i < d.size(); i++) {
                analytic += double((*grads[t])[i]) * d[i];
                d_norm += double(d[i]) * d[i];
            }
            d_norm = std::sqrt(d_norm);
            // Central differences at h and h/2, combined so that their h² error cancels
            // (Richardson): the steps can then be large enough that float32 rounding of the
            // loss, which varies with the CPU's sgemm kernel, stays far below the signal.
            const auto central = [&](float h) {
                for (size_t i = 0; i < d.size(); i++) theta[i] = saved[i] + h * d[i];
                const double plus = b.loss(b.p, nullptr);
                for (size_t i = 0; i < d.size(); i++) theta[i] = saved[i] - h * d[i];
                const double minus = b.loss(b.p, nullptr);
                theta = saved;
                return (plus - minus) / (2.0 * double(h));
            };
            const double numeric = (4.0 * central(step / 2) - central(step)) / 3.0;
            EXPECT_NEAR(analytic, numeric, 1e-2 * std::fabs(analytic) + 2e-5 * g_norm * d_norm)
                << param_names[t] << " direction " << trial << " (|g| " << g_norm << ", |d| " << d_norm << ")";
        }
    }
}

}  // namespace
}  // namespace clinote
