#include "ops/lora.h"

#include <cmath>
#include <vector>

#include "core/random.h"
#include "core/uninit_vector.h"
#include "ops/gemm.h"
#include "ops/linear.h"
#include "ops/parallel.h"

namespace clinote {

// Elementwise passes over [tokens, n_in] (millions of values per projection) on the pool:
// run on one thread, dropout's mask, product and gradient were ~20% of a BF16 training step.
constexpr int64_t elementwise_grain = int64_t(1) << 14;

// x ∘ mask, or x itself without dropout (then `storage` stays empty).
static const float* dropout_apply(const float* x, const float* mask, int64_t n, uninit_floats& storage) {
    if (!mask) return x;
    storage.resize(size_t(n));
    float* out = storage.data();
    ops_thread_pool().run(n, elementwise_grain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; i++) out[i] = x[i] * mask[i];
    });
    return out;
}

void lora_linear_forward(const tensor_view& w, const float* bias, const lora_weights& lora, const float* x,
                         const float* dropout_mask, float* xa, float* y, int64_t n_tokens, matmul_mode mode,
                         const bf16_weight* w_bf16) {
    const int64_t n_out = w.rows(), n_in = w.cols(), r = lora.rank;
    linear_forward(w, bias, x, y, n_tokens, mode, w_bf16);
    uninit_floats dropped;
    const float* xd = dropout_apply(x, dropout_mask, n_tokens * n_in, dropped);
    gemm_f32(false, true, n_tokens, r, n_in, 1.0f, xd, n_in, lora.a, n_in, 0.0f, xa, r);
    gemm_f32(false, true, n_tokens, n_out, r, lora.scale, xa, r, lora.b, r, 1.0f, y, n_out);
}

void lora_linear_backward(const tensor_view& w, const lora_weights& lora, const float* x, const float* dropout_mask,
                          const float* xa, const float* dy, float* dx, float* da, float* db, int64_t n_tokens,
                          const bf16_weight* w_bf16) {
    const int64_t n_out = w.rows(), n_in = w.cols(), r = lora.rank;
    // dxa = scale · dy·B: the gradient reaching drop(x)·Aᵀ.
    uninit_floats dxa(size_t(n_tokens * r));
    gemm_f32(false, false, n_tokens, r, n_out, lora.scale, dy, n_out, lora.b, r, 0.0f, dxa.data(), r);
    gemm_f32(true, false, n_out, r, n_tokens, lora.scale, dy, n_out, xa, r, 1.0f, db, r);
    uninit_floats dropped;
    const float* xd = dropout_apply(x, dropout_mask, n_tokens * n_in, dropped);
    gemm_f32(true, false, r, n_in, n_tokens, 1.0f, dxa.data(), r, xd, n_in, 1.0f, da, n_in);
    if (!dx) return;
    linear_backward_input(w, dy, dx, n_tokens, w_bf16);
    if (!dropout_mask) {
        gemm_f32(false, false, n_tokens, n_in, r, 1.0f, dxa.data(), r, lora.a, n_in, 1.0f, dx, n_in);
        return;
    }
    uninit_floats dxd(size_t(n_tokens * n_in));
    gemm_f32(false, false, n_tokens, n_in, r, 1.0f, dxa.data(), r, lora.a, n_in, 0.0f, dxd.data(), n_in);
    ops_thread_pool().run(n_tokens * n_in, elementwise_grain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; i++) dx[i] += dxd[size_t(i)] * dropout_mask[i];
    });
}

void dropout_mask_fill(float* mask, int64_t n, float p, uint64_t seed) {
    const float keep = 1.0f / (1.0f - p);
    const uint64_t base = random_mix(seed);  // value i depends on (seed, i) alone
    // One 64-bit hash gives the uniform 16-bit draws of four values: hashing was most of the
    // mask's cost, and p to 1/65536 is finer than any dropout rate needs.
    const uint64_t threshold = uint64_t(std::lround(double(p) * 65536.0));
    const int64_t n_groups = (n + 3) / 4;
    ops_thread_pool().run(n_groups, elementwise_grain / 4, [&](int64_t g0, int64_t g1) {
        for (int64_t g = g0; g < g1; g++) {
            const uint64_t h = random_mix(base + uint64_t(g));
            for (int64_t j = 0; j < 4 && 4 * g + j < n; j++)
                mask[4 * g + j] = ((h >> (16 * j)) & 0xffff) < threshold ? 0.0f : keep;
        }
    });
}

}  // namespace clinote
