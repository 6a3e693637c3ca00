#include "model/transformer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "core/error.h"
#include "ops/attention.h"
#include "ops/linear.h"
#include "ops/lora.h"
#include "ops/norm.h"
#include "quant/formats.h"

namespace clinote {

inference_state inference_state_create(const model& m, int64_t n_ctx) {
    inference_state st;
    st.n_ctx = n_ctx > 0 ? n_ctx : m.config.n_ctx_train;
    st.cache_type = m.matmul == matmul_mode::int8 && m.layers[0].wk.w.type != dtype::f32 ? kv_type::f16 : kv_type::f32;
    const size_t n_layer = size_t(m.config.n_layer);
    if (st.cache_type == kv_type::f16) {
        st.k_cache_f16.resize(n_layer);
        st.v_cache_f16.resize(n_layer);
    } else {
        st.k_cache.resize(n_layer);
        st.v_cache.resize(n_layer);
    }
    return st;
}

void inference_state_truncate(inference_state& st, int64_t n_keep) { st.n_past = std::min(st.n_past, n_keep); }

// Exactly n: resize alone would double the capacity, which for a growing KV cache holds
// up to twice the memory the text needs.
template <typename T>
static void grow(std::vector<T>& v, int64_t n) {
    if (int64_t(v.size()) >= n) return;
    v.reserve(size_t(n));
    v.resize(size_t(n));
}

// y = x·Wᵀ + b, plus the adapter's scale·(x·Aᵀ)·Bᵀ when it adapts this layer's target t.
static void linear(const model& m, inference_state& st, int il, lora_target t, const linear_weight& l, const float* x,
                   float* y, int64_t n) {
    const float* bias = l.bias.empty() ? nullptr : l.bias.data();
    const lora_matrices* lm = st.adapter ? &st.adapter->layers[size_t(il)][size_t(t)] : nullptr;
    if (!lm || lm->a.empty()) return linear_forward(l.w, bias, x, y, n, m.matmul);
    const lora_weights lw{lm->a.data(), lm->b.data(), st.adapter->config.rank, lora_scale(st.adapter->config)};
    grow(st.lora_xa, n * lw.rank);
    lora_linear_forward(l.w, bias, lw, x, nullptr, st.lora_xa.data(), y, n, m.matmul);
}

// An adapter's F32 copy of the embedding table or head (modules_to_save) as a weight.
static tensor_view f32_view(const std::vector<float>& v, const tensor_view& like) {
    tensor_view t = like;
    t.type = dtype::f32;
    t.data = v.data();
    t.nbytes = v.size() * sizeof(float);
    return t;
}

// Appends the batch's keys or values (n rows of kv_dim) at position n_past, growing the
// cache in steps of 256 positions: memory follows the text, not n_ctx.
template <typename T>
static void cache_append(std::vector<T>& cache, const std::vector<float>& rows, int64_t n_past, int64_t n,
                         int64_t kv_dim, int64_t n_ctx) {
    grow(cache, std::min((n_past + n + 255) / 256 * 256, n_ctx) * kv_dim);
    T* dst = cache.data() + n_past * kv_dim;
    if constexpr (std::is_same_v<T, float>)
        std::copy(rows.begin(), rows.begin() + n * kv_dim, dst);
    else
        quantize_row_f16(rows.data(), dst, n * kv_dim);
}

static kv_cache_view kv_cache_store(inference_state& st, int il, int64_t kv_dim, int64_t n) {
    const size_t l = size_t(il);
    if (st.cache_type == kv_type::f16) {
        cache_append(st.k_cache_f16[l], st.k, st.n_past, n, kv_dim, st.n_ctx);
        cache_append(st.v_cache_f16[l], st.v, st.n_past, n, kv_dim, st.n_ctx);
        return {kv_type::f16, st.k_cache_f16[l].data(), st.v_cache_f16[l].data()};
    }
    cache_append(st.k_cache[l], st.k, st.n_past, n, kv_dim, st.n_ctx);
    cache_append(st.v_cache[l], st.v, st.n_past, n, kv_dim, st.n_ctx);
    return {kv_type::f32, st.k_cache[l].data(), st.v_cache[l].data()};
}

static void attention_block(const model& m, const layer_weights& l, int il, inference_state& st, int64_t n) {
    const model_config& c = m.config;
    const int64_t kv_dim = int64_t(c.n_head_kv) * c.head_dim;
    rms_norm_forward(st.x.data(), l.attn_norm.data(), c.norm_weight_offset, c.rms_eps, st.h.data(), n, c.n_embd);
    linear(m, st, il, lora_target::q, l.wq, st.h.data(), st.q.data(), n);
    linear(m, st, il, lora_target::k, l.wk, st.h.data(), st.k.data(), n);
    linear(m, st, il, lora_target::v, l.wv, st.h.data(), st.v.data(), n);
    if (c.qk_norm) {
        rms_norm_forward(st.q.data(), l.q_norm.data(), c.norm_weight_offset, c.rms_eps, st.q.data(), n * c.n_head, c.head_dim);
        rms_norm_forward(st.k.data(), l.k_norm.data(), c.norm_weight_offset, c.rms_eps, st.k.data(), n * c.n_head_kv, c.head_dim);
    }
    const bool sliding = c.layer_is_sliding[size_t(il)];
    const float* inv_freq = sliding ? c.inv_freq_local.data() : c.inv_freq_global.data();
    rope_forward(st.q.data(), n, c.n_head, c.head_dim, st.n_past, inv_freq, c.rope);
    rope_forward(st.k.data(), n, c.n_head_kv, c.head_dim, st.n_past, inv_freq, c.rope);

    const kv_cache_view kv = kv_cache_store(st, il, kv_dim, n);
    attention_shape shape{c.n_head, c.n_head_kv, c.head_dim, c.attn_scale, sliding ? c.sliding_window : 0};
    attention_forward(shape, st.q.data(), kv, st.attn.data(), n, st.n_past);
    linear(m, st, il, lora_target::o, l.wo, st.attn.data(), st.o.data(), n);
    if (c.post_norms)
        rms_norm_forward(st.o.data(), l.post_attn_norm.data(), c.norm_weight_offset, c.rms_eps, st.o.data(), n, c.n_embd);
    for (int64_t i = 0; i < n * c.n_embd; i++) st.x[size_t(i)] += st.o[size_t(i)];
}

static void mlp_block(const model& m, const layer_weights& l, int il, inference_state& st, int64_t n) {
    const model_config& c = m.config;
    rms_norm_forward(st.x.data(), l.ffn_norm.data(), c.norm_weight_offset, c.rms_eps, st.h.data(), n, c.n_embd);
    linear(m, st, il, lora_target::gate, l.w_gate, st.h.data(), st.gate.data(), n);
    linear(m, st, il, lora_target::up, l.w_up, st.h.data(), st.up.data(), n);
    glu_forward(st.gate.data(), st.up.data(), st.gate.data(), n * c.n_ff, c.act);
    linear(m, st, il, lora_target::down, l.w_down, st.gate.data(), st.o.data(), n);
    if (c.post_norms)
        rms_norm_forward(st.o.data(), l.post_ffn_norm.data(), c.norm_weight_offset, c.rms_eps, st.o.data(), n, c.n_embd);
    for (int64_t i = 0; i < n * c.n_embd; i++) st.x[size_t(i)] += st.o[size_t(i)];
}

// One micro-batch: the tokens' activations live in st's scratch together. logits: null
// when no row is wanted (a prompt's earlier micro-batches).
static void forward_batch(const model& m, inference_state& st, const int32_t* tokens, int64_t n, float* logits,
                          bool all_logits) {
    const model_config& c = m.config;
    const int64_t q_dim = int64_t(c.n_head) * c.head_dim, kv_dim = int64_t(c.n_head_kv) * c.head_dim;
    grow(st.x, n * c.n_embd);
    grow(st.h, n * c.n_embd);
    grow(st.o, n * c.n_embd);
    grow(st.q, n * q_dim);
    grow(st.attn, n * q_dim);
    grow(st.k, n * kv_dim);
    grow(st.v, n * kv_dim);
    grow(st.gate, n * c.n_ff);
    grow(st.up, n * c.n_ff);

    const lora_adapter* ad = st.adapter;
    const bool own_embd = ad && !ad->tok_embd.empty(), own_head = ad && !ad->output.empty();
    embedding_forward(own_embd ? f32_view(ad->tok_embd, m.tok_embd) : m.tok_embd, tokens, n, st.x.data());
    if (c.embed_scale != 1.0f)
        for (int64_t i = 0; i < n * c.n_embd; i++) st.x[size_t(i)] *= c.embed_scale;
    for (int il = 0; il < c.n_layer; il++) {
        attention_block(m, m.layers[size_t(il)], il, st, n);
        mlp_block(m, m.layers[size_t(il)], il, st, n);
    }
    if (!logits) {
        st.n_past += n;
        return;
    }
    const int64_t first = all_logits ? 0 : n - 1, rows = n - first;
    rms_norm_forward(st.x.data() + first * c.n_embd, m.output_norm.data(), c.norm_weight_offset, c.rms_eps,
                     st.h.data(), rows, c.n_embd);
    linear_forward(own_head ? f32_view(ad->output, m.output) : m.output, nullptr, st.h.data(), logits, rows, m.matmul);
    if (c.final_logit_softcap > 0)
        for (int64_t i = 0; i < rows * c.n_vocab; i++)
            logits[i] = std::tanh(logits[i] / c.final_logit_softcap) * c.final_logit_softcap;
    st.n_past += n;
}

// Long prompts go through in micro-batches of at most 512 tokens, as llama.cpp's default
// n_ubatch: the scratch (activations of every token of a batch, the MLP's widest) then
// stays the size of 512 tokens however long the transcript, and each token's result is
// the same as in one batch.
void model_forward(const model& m, inference_state& st, const int32_t* tokens, int64_t n, float* logits,
                   bool all_logits) {
    const model_config& c = m.config;
    if (n <= 0) fail("model_forward", "no tokens to process");
    if (st.n_past + n > st.n_ctx)
        fail("context", "the text needs " + std::to_string(st.n_past + n) + " positions but the context holds " +
                            std::to_string(st.n_ctx) + " (raise --ctx, up to the model's " +
                            std::to_string(c.n_ctx_train) + ")");
    constexpr int64_t max_batch = 512;
    for (int64_t done = 0; done < n; done += max_batch) {
        const int64_t nb = std::min(max_batch, n - done);
        const bool last = done + nb == n;
        float* out = all_logits ? logits + done * c.n_vocab : last ? logits : nullptr;
        forward_batch(m, st, tokens + done, nb, out, all_logits);
    }
}

}  // namespace clinote
