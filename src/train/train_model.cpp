#include "train/train_model.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/uninit_vector.h"
#include "ops/activation.h"
#include "ops/attention_train.h"
#include "ops/linear.h"
#include "ops/lora.h"
#include "ops/loss.h"
#include "ops/norm.h"
#include "ops/rope.h"
#include "train/train_random.h"

namespace clinote {
namespace {

// What one layer's backward needs, besides the layer input x.
struct layer_acts {
    uninit_floats x;               // input of the layer (the residual stream)
    uninit_floats q_raw, k_raw;    // q, k before the per-head norm (qk_norm only)
    uninit_floats q, k, v;         // after norm and RoPE
    uninit_floats attn, lse;
    uninit_floats o_raw;           // o projection before the post-attention norm (post_norms only)
    uninit_floats x_mid;           // residual stream between attention and MLP
    uninit_floats gate, up;
    uninit_floats down_raw;        // down projection before the post-MLP norm (post_norms only)
    std::array<uninit_floats, lora_target_count> xa;  // LoRA x·Aᵀ per target
};

struct step_context {
    const model& m;
    const lora_adapter& adapter;
    const train_batch& batch;
    const train_step_options& opt;
    int64_t n_tokens;
    bool dropout;
    full_weights* full_grads;  // a full fine-tune's gradients (null: only the adapter's)
};

void zeroed(uninit_floats& v, int64_t n) { v.assign(size_t(n), 0.0f); }

bool adapted(const step_context& s, int il, lora_target t) {
    return !s.adapter.layers[size_t(il)][size_t(t)].a.empty();
}

// The BF16 packing of (layer, target) when the step uses them.
const bf16_weight* bf16_of(const step_context& s, int il, lora_target t) {
    return s.opt.base_bf16 ? &s.opt.base_bf16->layers[size_t(il)][size_t(t)] : nullptr;
}

lora_weights lora_of(const step_context& s, int il, lora_target t, const lora_adapter& params) {
    const lora_matrices& lm = params.layers[size_t(il)][size_t(t)];
    return {lm.a.data(), lm.b.data(), s.adapter.config.rank, lora_scale(s.adapter.config)};
}

// The dropout mask of (layer, target) for this step, or empty without dropout.
uninit_floats dropout_mask(const step_context& s, int il, lora_target t, int64_t n_in) {
    uninit_floats mask;
    if (!s.dropout || s.adapter.config.dropout <= 0) return mask;
    mask.resize(size_t(s.n_tokens * n_in));
    dropout_mask_fill(mask.data(), int64_t(mask.size()), s.adapter.config.dropout,
                      random_stream(s.opt.dropout_seed, uint64_t(il) * lora_target_count + uint64_t(t)));
    return mask;
}

void proj_forward(const step_context& s, int il, lora_target t, const float* x, float* y, layer_acts& a) {
    const linear_weight& lw = layer_linear(s.m.layers[size_t(il)], t);
    const float* bias = lw.bias.empty() ? nullptr : lw.bias.data();
    const bf16_weight* w_bf16 = bf16_of(s, il, t);
    if (!adapted(s, il, t)) return linear_forward(lw.w, bias, x, y, s.n_tokens, matmul_mode::f32, w_bf16);
    const uninit_floats mask = dropout_mask(s, il, t, lw.w.cols());
    uninit_floats& xa = a.xa[size_t(t)];
    xa.resize(size_t(s.n_tokens * s.adapter.config.rank));
    lora_linear_forward(lw.w, bias, lora_of(s, il, t, s.adapter), x, mask.empty() ? nullptr : mask.data(), xa.data(),
                        y, s.n_tokens, matmul_mode::f32, w_bf16);
}

// dx += ∂/∂x of the projection; LoRA gradients go to grads, a full fine-tune's weight and
// bias gradients to s.full_grads.
void proj_backward(const step_context& s, int il, lora_target t, const float* x, const float* dy, float* dx,
                   const layer_acts& a, lora_adapter* grads) {
    const linear_weight& lw = layer_linear(s.m.layers[size_t(il)], t);
    const bf16_weight* w_bf16 = bf16_of(s, il, t);
    if (s.full_grads) {
        full_layer& g = s.full_grads->layers[size_t(il)];
        std::vector<float>& db = g.bias[size_t(t)];
        linear_backward_weight(x, dy, g.w[size_t(t)].data(), db.empty() ? nullptr : db.data(), s.n_tokens,
                               lw.w.cols(), lw.w.rows());
    }
    if (!adapted(s, il, t)) return linear_backward_input(lw.w, dy, dx, s.n_tokens, w_bf16);
    const uninit_floats mask = dropout_mask(s, il, t, lw.w.cols());
    lora_matrices& g = grads->layers[size_t(il)][size_t(t)];
    lora_linear_backward(lw.w, lora_of(s, il, t, s.adapter), x, mask.empty() ? nullptr : mask.data(),
                         a.xa[size_t(t)].data(), dy, dx, g.a.data(), g.b.data(), s.n_tokens, w_bf16);
}

attention_shape attention_shape_of(const model_config& c, int il) {
    const bool sliding = c.layer_is_sliding[size_t(il)];
    return {c.n_head, c.n_head_kv, c.head_dim, c.attn_scale, sliding ? c.sliding_window : 0};
}

const float* inv_freq_of(const model_config& c, int il) {
    return c.layer_is_sliding[size_t(il)] ? c.inv_freq_local.data() : c.inv_freq_global.data();
}

attention_mask mask_of(const train_batch& b) { return {b.valid.data(), b.segment.data()}; }

void norm(const model_config& c, const std::vector<float>& w, const float* x, float* y, int64_t rows, int64_t dim) {
    rms_norm_forward(x, w.data(), c.norm_weight_offset, c.rms_eps, y, rows, dim);
}

// Fills a (from a.x) and writes the layer's output to out.
void layer_forward(const step_context& s, int il, layer_acts& a, float* out) {
    const model_config& c = s.m.config;
    const layer_weights& l = s.m.layers[size_t(il)];
    const int64_t n = s.n_tokens, E = c.n_embd, q_dim = int64_t(c.n_head) * c.head_dim,
                  kv_dim = int64_t(c.n_head_kv) * c.head_dim;
    uninit_floats h(size_t(n * E));
    norm(c, l.attn_norm, a.x.data(), h.data(), n, E);
    a.q.resize(size_t(n * q_dim));
    a.k.resize(size_t(n * kv_dim));
    a.v.resize(size_t(n * kv_dim));
    proj_forward(s, il, lora_target::q, h.data(), a.q.data(), a);
    proj_forward(s, il, lora_target::k, h.data(), a.k.data(), a);
    proj_forward(s, il, lora_target::v, h.data(), a.v.data(), a);
    if (c.qk_norm) {
        a.q_raw = a.q;
        a.k_raw = a.k;
        norm(c, l.q_norm, a.q_raw.data(), a.q.data(), n * c.n_head, c.head_dim);
        norm(c, l.k_norm, a.k_raw.data(), a.k.data(), n * c.n_head_kv, c.head_dim);
    }
    const int32_t* pos = s.batch.positions.data();
    rope_forward_positions(a.q.data(), n, c.n_head, c.head_dim, pos, inv_freq_of(c, il), c.rope);
    rope_forward_positions(a.k.data(), n, c.n_head_kv, c.head_dim, pos, inv_freq_of(c, il), c.rope);
    a.attn.resize(size_t(n * q_dim));
    a.lse.resize(size_t(n * c.n_head));
    attention_train_forward(attention_shape_of(c, il), mask_of(s.batch), a.q.data(), a.k.data(), a.v.data(),
                            a.attn.data(), a.lse.data(), s.batch.n_batch, s.batch.seq_len);
    uninit_floats o(size_t(n * E));
    proj_forward(s, il, lora_target::o, a.attn.data(), o.data(), a);
    if (c.post_norms) {
        a.o_raw = o;
        norm(c, l.post_attn_norm, a.o_raw.data(), o.data(), n, E);
    }
    a.x_mid.resize(size_t(n * E));
    for (size_t i = 0; i < a.x_mid.size(); i++) a.x_mid[i] = a.x[i] + o[i];

    norm(c, l.ffn_norm, a.x_mid.data(), h.data(), n, E);
    a.gate.resize(size_t(n * c.n_ff));
    a.up.resize(size_t(n * c.n_ff));
    proj_forward(s, il, lora_target::gate, h.data(), a.gate.data(), a);
    proj_forward(s, il, lora_target::up, h.data(), a.up.data(), a);
    uninit_floats act(size_t(n * c.n_ff));
    glu_forward(a.gate.data(), a.up.data(), act.data(), n * c.n_ff, c.act);
    proj_forward(s, il, lora_target::down, act.data(), o.data(), a);
    if (c.post_norms) {
        a.down_raw = o;
        norm(c, l.post_ffn_norm, a.down_raw.data(), o.data(), n, E);
    }
    for (size_t i = 0; i < a.x_mid.size(); i++) out[i] = a.x_mid[i] + o[i];
}

// From dy (gradient of the layer's output) writes dx (gradient of its input).
void layer_backward(const step_context& s, int il, const layer_acts& a, const float* dy, float* dx,
                    lora_adapter* grads) {
    const model_config& c = s.m.config;
    const layer_weights& l = s.m.layers[size_t(il)];
    const int64_t n = s.n_tokens, E = c.n_embd, q_dim = int64_t(c.n_head) * c.head_dim,
                  kv_dim = int64_t(c.n_head_kv) * c.head_dim;
    const float off = c.norm_weight_offset, eps = c.rms_eps;
    full_layer* g = s.full_grads ? &s.full_grads->layers[size_t(il)] : nullptr;
    // Where the gradient of a norm weight goes: nowhere unless every weight is trained.
    auto dw = [g](std::vector<float> full_layer::*norm) { return g ? (g->*norm).data() : nullptr; };

    // MLP branch: out = x_mid + post_norm(down(glu(gate(h2), up(h2)))), h2 = norm(x_mid).
    uninit_floats dx_mid(dy, dy + n * E);
    uninit_floats d_down;
    const float* d_branch = dy;
    if (c.post_norms) {
        zeroed(d_down, n * E);
        rms_norm_backward(a.down_raw.data(), l.post_ffn_norm.data(), off, eps, dy, d_down.data(),
                          dw(&full_layer::post_ffn_norm), n, E);
        d_branch = d_down.data();
    }
    uninit_floats act(size_t(n * c.n_ff)), d_act, d_gate, d_up, h(size_t(n * E)), dh;
    glu_forward(a.gate.data(), a.up.data(), act.data(), n * c.n_ff, c.act);
    zeroed(d_act, n * c.n_ff);
    proj_backward(s, il, lora_target::down, act.data(), d_branch, d_act.data(), a, grads);
    zeroed(d_gate, n * c.n_ff);
    zeroed(d_up, n * c.n_ff);
    glu_backward(a.gate.data(), a.up.data(), d_act.data(), d_gate.data(), d_up.data(), n * c.n_ff, c.act);
    norm(c, l.ffn_norm, a.x_mid.data(), h.data(), n, E);
    zeroed(dh, n * E);
    proj_backward(s, il, lora_target::gate, h.data(), d_gate.data(), dh.data(), a, grads);
    proj_backward(s, il, lora_target::up, h.data(), d_up.data(), dh.data(), a, grads);
    rms_norm_backward(a.x_mid.data(), l.ffn_norm.data(), off, eps, dh.data(), dx_mid.data(), dw(&full_layer::ffn_norm),
                      n, E);

    // Attention branch: x_mid = x + post_norm(o(attention(rope(norm(q(h1))), ...))), h1 = norm(x).
    d_branch = dx_mid.data();
    if (c.post_norms) {
        zeroed(d_down, n * E);
        rms_norm_backward(a.o_raw.data(), l.post_attn_norm.data(), off, eps, dx_mid.data(), d_down.data(),
                          dw(&full_layer::post_attn_norm), n, E);
        d_branch = d_down.data();
    }
    uninit_floats d_attn, dq, dk, dv;
    zeroed(d_attn, n * q_dim);
    proj_backward(s, il, lora_target::o, a.attn.data(), d_branch, d_attn.data(), a, grads);
    zeroed(dq, n * q_dim);
    zeroed(dk, n * kv_dim);
    zeroed(dv, n * kv_dim);
    attention_train_backward(attention_shape_of(c, il), mask_of(s.batch), a.q.data(), a.k.data(), a.v.data(),
                             a.attn.data(), a.lse.data(), d_attn.data(), dq.data(), dk.data(), dv.data(),
                             s.batch.n_batch, s.batch.seq_len);
    const int32_t* pos = s.batch.positions.data();
    rope_backward_positions(dq.data(), n, c.n_head, c.head_dim, pos, inv_freq_of(c, il), c.rope);
    rope_backward_positions(dk.data(), n, c.n_head_kv, c.head_dim, pos, inv_freq_of(c, il), c.rope);
    if (c.qk_norm) {
        uninit_floats dq_raw, dk_raw;
        zeroed(dq_raw, n * q_dim);
        zeroed(dk_raw, n * kv_dim);
        rms_norm_backward(a.q_raw.data(), l.q_norm.data(), off, eps, dq.data(), dq_raw.data(),
                          dw(&full_layer::q_norm), n * c.n_head, c.head_dim);
        rms_norm_backward(a.k_raw.data(), l.k_norm.data(), off, eps, dk.data(), dk_raw.data(),
                          dw(&full_layer::k_norm), n * c.n_head_kv, c.head_dim);
        dq.swap(dq_raw);
        dk.swap(dk_raw);
    }
    norm(c, l.attn_norm, a.x.data(), h.data(), n, E);
    zeroed(dh, n * E);
    proj_backward(s, il, lora_target::q, h.data(), dq.data(), dh.data(), a, grads);
    proj_backward(s, il, lora_target::k, h.data(), dk.data(), dh.data(), a, grads);
    proj_backward(s, il, lora_target::v, h.data(), dv.data(), dh.data(), a, grads);
    std::copy(dx_mid.begin(), dx_mid.end(), dx);
    rms_norm_backward(a.x.data(), l.attn_norm.data(), off, eps, dh.data(), dx, dw(&full_layer::attn_norm), n, E);
}

tensor_view f32_view(const char* name, const std::vector<float>& v, int64_t rows, int64_t cols) {
    return {name, dtype::f32, {rows, cols}, v.data(), v.size() * sizeof(float)};
}

tensor_view embedding_table(const step_context& s) {
    const model_config& c = s.m.config;
    return s.adapter.tok_embd.empty() ? s.m.tok_embd : f32_view("embed_tokens", s.adapter.tok_embd, c.n_vocab, c.n_embd);
}

tensor_view head_weight(const step_context& s) {
    const model_config& c = s.m.config;
    return s.adapter.output.empty() ? s.m.output : f32_view("lm_head", s.adapter.output, c.n_vocab, c.n_embd);
}

// The head's weight gradient: an adapter's trained head copy, or in a full fine-tune the
// head's own, or the embeddings' when the two are tied (their gradients add). Null: frozen.
float* head_grad(lora_adapter* grads, full_weights* full_grads) {
    if (full_grads) return full_grads->output.empty() ? full_grads->tok_embd.data() : full_grads->output.data();
    return grads->output.empty() ? nullptr : grads->output.data();
}

void batch_check(const model& m, const lora_adapter& adapter, const train_batch& b) {
    const size_t n = size_t(b.n_batch * b.seq_len);
    if (n == 0) fail("train_batch", "empty batch");
    if (b.tokens.size() != n || b.targets.size() != n || b.segment.size() != n || b.positions.size() != n ||
        b.valid.size() != n)
        fail("train_batch", "tokens, targets, segment, positions and valid must each hold n_batch * seq_len values");
    if (adapter.layers.size() != m.layers.size())
        fail("adapter", "has " + std::to_string(adapter.layers.size()) + " layers but the model has " +
                            std::to_string(m.layers.size()));
}

// The whole forward; with grads (an adapter's, or a full fine-tune's in full_grads), the
// backward too.
train_loss run(const model& m, const lora_adapter& adapter, const train_batch& batch, float grad_scale,
               lora_adapter* grads, full_weights* full_grads, const train_step_options& opt) {
    batch_check(m, adapter, batch);
    const model_config& c = m.config;
    const bool backward = grads != nullptr || full_grads != nullptr;
    const step_context s{m, adapter, batch, opt, batch.n_batch * batch.seq_len, backward && opt.dropout, full_grads};
    const int64_t n = s.n_tokens, E = c.n_embd, V = c.n_vocab;

    // Layer inputs; acts[il] is complete unless checkpointing (then only .x is kept).
    std::vector<layer_acts> acts(size_t(c.n_layer));
    uninit_floats x(size_t(n * E));
    embedding_forward(embedding_table(s), batch.tokens.data(), n, x.data());
    if (c.embed_scale != 1.0f)
        for (float& v : x) v *= c.embed_scale;
    for (int il = 0; il < c.n_layer; il++) {
        layer_acts& a = acts[size_t(il)];
        a.x = x;
        layer_forward(s, il, a, x.data());
        if (!backward || opt.checkpoint_layers) {
            uninit_floats keep = backward ? std::move(a.x) : uninit_floats{};
            a = layer_acts{};
            a.x = std::move(keep);
        }
    }

    // Head, a chunk of rows at a time: logits exist only as [rows, n_vocab].
    train_loss loss;
    const tensor_view head = head_weight(s);
    const bf16_weight* head_bf16 = s.opt.base_bf16 && s.opt.base_bf16->head.transposed.n > 0 ? &s.opt.base_bf16->head : nullptr;
    uninit_floats dx;
    if (backward) zeroed(dx, n * E);
    const int64_t chunk = std::max<int64_t>(1, opt.head_rows);
    uninit_floats h(size_t(std::min(chunk, n) * E)), logits(size_t(std::min(chunk, n) * V)), lse, dlogits, dh;
    for (int64_t r0 = 0; r0 < n; r0 += chunk) {
        const int64_t rows = std::min(chunk, n - r0);
        const int32_t* targets = batch.targets.data() + r0;
        if (std::all_of(targets, targets + rows, [](int32_t t) { return t == cross_entropy_ignore; })) continue;
        norm(c, m.output_norm, x.data() + r0 * E, h.data(), rows, E);
        linear_forward(head, nullptr, h.data(), logits.data(), rows, matmul_mode::f32, head_bf16);
        if (c.final_logit_softcap > 0) softcap_forward(logits.data(), rows * V, c.final_logit_softcap);
        lse.resize(size_t(rows));
        const cross_entropy_result ce = cross_entropy_forward(logits.data(), targets, lse.data(), rows, V);
        loss.sum += ce.loss * double(ce.n_counted);
        loss.n_scored += ce.n_counted;
        if (!backward) continue;
        dlogits.resize(size_t(rows * V));
        cross_entropy_backward(logits.data(), targets, lse.data(), grad_scale, dlogits.data(), rows, V);
        if (c.final_logit_softcap > 0) softcap_backward(logits.data(), dlogits.data(), rows * V, c.final_logit_softcap);
        zeroed(dh, rows * E);
        linear_backward_input(head, dlogits.data(), dh.data(), rows, head_bf16);
        if (float* dhead = head_grad(grads, full_grads))
            linear_backward_weight(h.data(), dlogits.data(), dhead, nullptr, rows, E, V);
        rms_norm_backward(x.data() + r0 * E, m.output_norm.data(), c.norm_weight_offset, c.rms_eps, dh.data(),
                          dx.data() + r0 * E, full_grads ? full_grads->output_norm.data() : nullptr, rows, E);
    }
    if (!backward) return loss;

    uninit_floats dx_in(size_t(n * E));
    for (int il = c.n_layer - 1; il >= 0; il--) {
        layer_acts& a = acts[size_t(il)];
        if (opt.checkpoint_layers) layer_forward(s, il, a, x.data());  // x is free scratch by now
        layer_backward(s, il, a, dx.data(), dx_in.data(), grads);
        a = layer_acts{};
        dx.swap(dx_in);
    }
    float* dtable = full_grads ? full_grads->tok_embd.data() : grads->tok_embd.empty() ? nullptr : grads->tok_embd.data();
    if (dtable) {
        if (c.embed_scale != 1.0f)
            for (float& v : dx) v *= c.embed_scale;
        embedding_backward(batch.tokens.data(), dx.data(), dtable, n, V, E);
    }
    return loss;
}

}  // namespace

train_loss train_forward_backward(const model& m, const lora_adapter& adapter, const train_batch& batch,
                                  float grad_scale, lora_adapter& grads, const train_step_options& opt) {
    return run(m, adapter, batch, grad_scale, &grads, nullptr, opt);
}

train_loss train_forward_backward_full(const model& m, const train_batch& batch, float grad_scale, full_weights& grads,
                                       const train_step_options& opt) {
    if (opt.base_bf16) fail("train_step_options", "a full fine-tune has no frozen weights to pack in BF16");
    lora_adapter none;  // no LoRA layers: every projection is a plain linear whose weight is trained
    none.layers.resize(m.layers.size());
    return run(m, none, batch, grad_scale, nullptr, &grads, opt);
}

train_loss train_forward_loss(const model& m, const lora_adapter& adapter, const train_batch& batch,
                              const train_base_bf16* base_bf16) {
    train_step_options opt;
    opt.base_bf16 = base_bf16;
    return run(m, adapter, batch, 0.0f, nullptr, nullptr, opt);
}

train_base_bf16 train_base_bf16_pack(const model& m, const lora_adapter& adapter) {
    train_base_bf16 packed;
    packed.layers.resize(m.layers.size());
    for (size_t il = 0; il < m.layers.size(); il++)
        for (int t = 0; t < lora_target_count; t++)
            packed.layers[il][size_t(t)] = bf16_weight_pack(layer_linear(m.layers[il], lora_target(t)).w);
    if (adapter.output.empty()) packed.head = bf16_weight_pack(m.output);
    return packed;
}

int64_t train_base_bf16_bytes(const model& m, const lora_adapter& adapter) {
    int64_t values = 0;
    for (const layer_weights& l : m.layers)
        for (int t = 0; t < lora_target_count; t++) values += layer_linear(l, lora_target(t)).w.numel();
    if (adapter.output.empty()) values += m.output.numel();
    return 2 * values * int64_t(sizeof(uint16_t));  // two packings
}

int64_t train_activation_bytes(const model& m, const lora_adapter& adapter, int64_t n_tokens,
                               const train_step_options& opt) {
    const model_config& c = m.config;
    const int64_t E = c.n_embd, q_dim = int64_t(c.n_head) * c.head_dim, kv_dim = int64_t(c.n_head_kv) * c.head_dim;
    int64_t per_token = 2 * q_dim + 2 * kv_dim + c.n_head + 2 * E + 2 * c.n_ff;  // q, attn, k, v, lse, x, x_mid, gate, up
    if (c.qk_norm) per_token += q_dim + kv_dim;
    if (c.post_norms) per_token += 2 * E;
    per_token += int64_t(adapter.config.targets.size()) * adapter.config.rank;
    // Scratch of one layer's backward: a few [n, n_ff] and [n, n_embd] buffers plus dropout masks.
    const int64_t scratch = n_tokens * (4 * c.n_ff + 6 * E + 2 * q_dim);
    const int64_t layers = opt.checkpoint_layers ? int64_t(c.n_layer) * n_tokens * E + n_tokens * per_token
                                                 : int64_t(c.n_layer) * n_tokens * per_token;
    const int64_t head = std::min<int64_t>(opt.head_rows, n_tokens) * c.n_vocab * 2;
    return int64_t(sizeof(float)) * (layers + scratch + head + 2 * n_tokens * E);
}

}  // namespace clinote
