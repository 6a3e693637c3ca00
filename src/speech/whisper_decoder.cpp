#include "speech/whisper_decoder.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "ops/attention.h"
#include "ops/attention_full.h"
#include "ops/gelu.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"

namespace clinote {

namespace {

constexpr float ln_eps = 1e-5f;

void grow(std::vector<float>& v, size_t n) {
    if (v.size() < n) v.resize(n);
}

}  // namespace

whisper_cross_kv whisper_cross_kv_compute(const whisper_model& m, const std::vector<float>& encoder_out) {
    const int64_t d = m.config.d_model, n = m.config.n_audio_ctx;
    if (int64_t(encoder_out.size()) != n * d) fail("whisper", "encoder output does not match the model");
    whisper_cross_kv kv;
    kv.n_audio_ctx = n;
    for (const whisper_decoder_layer& l : m.dec) {
        std::vector<float> k(size_t(n * d)), v(size_t(n * d));
        linear_forward(l.cross_k.w, nullptr, encoder_out.data(), k.data(), n);
        linear_forward(l.cross_v.w, linear_bias(l.cross_v), encoder_out.data(), v.data(), n);
        kv.k.push_back(std::move(k));
        kv.v.push_back(std::move(v));
    }
    return kv;
}

whisper_decoder_state whisper_decoder_state_create(const whisper_model& m) {
    whisper_decoder_state st;
    st.d_model = m.config.d_model;
    const size_t n = size_t(m.config.n_text_ctx) * size_t(m.config.d_model);
    st.k_cache.assign(m.dec.size(), std::vector<float>(n));
    st.v_cache.assign(m.dec.size(), std::vector<float>(n));
    return st;
}

void whisper_decoder_state_copy(whisper_decoder_state& dst, const whisper_decoder_state& src) {
    dst.d_model = src.d_model;
    dst.k_cache.resize(src.k_cache.size());
    dst.v_cache.resize(src.v_cache.size());
    // Only the positions in use: a cache is mostly empty while a beam is short.
    const size_t used = size_t(src.n_past * src.d_model);
    for (size_t l = 0; l < src.k_cache.size(); l++) {
        dst.k_cache[l].resize(src.k_cache[l].size());
        dst.v_cache[l].resize(src.v_cache[l].size());
        std::copy_n(src.k_cache[l].begin(), used, dst.k_cache[l].begin());
        std::copy_n(src.v_cache[l].begin(), used, dst.v_cache[l].begin());
    }
    dst.n_past = src.n_past;
}

void whisper_decode(const whisper_model& m, const whisper_cross_kv& cross, whisper_decoder_state& st,
                    const int32_t* tokens, int64_t n, int64_t first_logit_row, float* logits) {
    const whisper_config& c = m.config;
    const int64_t d = c.d_model;
    if (st.n_past + n > c.n_text_ctx)
        fail("whisper", "the text context is full (" + std::to_string(c.n_text_ctx) + " tokens)");
    for (int64_t t = 0; t < n; t++)
        if (tokens[t] < 0 || tokens[t] >= c.n_vocab) fail("whisper", "token id " + std::to_string(tokens[t]) + " is outside the vocabulary");
    const size_t nd = size_t(n * d);
    grow(st.x, nd), grow(st.h, nd), grow(st.q, nd), grow(st.k, nd), grow(st.v, nd), grow(st.attn, nd);
    grow(st.ff, size_t(n * c.n_ff_text));
    float* x = st.x.data();
    float* h = st.h.data();

    embedding_forward(m.tok_embd, tokens, n, x);
    for (int64_t t = 0; t < n; t++)
        for (int64_t i = 0; i < d; i++) x[t * d + i] += m.text_pos[size_t((st.n_past + t) * d + i)];

    const int head_dim = int(d / c.n_text_head);
    const float scale = 1.0f / std::sqrt(float(head_dim));
    const attention_shape self_shape{c.n_text_head, c.n_text_head, head_dim, scale, 0};
    for (size_t li = 0; li < m.dec.size(); li++) {
        const whisper_decoder_layer& l = m.dec[li];
        layer_norm_forward(x, l.attn_ln_w.data(), l.attn_ln_b.data(), ln_eps, h, n, d);
        float* k_rows = st.k_cache[li].data() + st.n_past * d;
        float* v_rows = st.v_cache[li].data() + st.n_past * d;
        linear_forward(l.q.w, linear_bias(l.q), h, st.q.data(), n);
        linear_forward(l.k.w, nullptr, h, k_rows, n);
        linear_forward(l.v.w, linear_bias(l.v), h, v_rows, n);
        attention_forward(self_shape, st.q.data(), {kv_type::f32, st.k_cache[li].data(), st.v_cache[li].data()}, st.attn.data(), n,
                          st.n_past);
        linear_forward(l.o.w, linear_bias(l.o), st.attn.data(), h, n);
        for (size_t i = 0; i < nd; i++) x[i] += h[i];

        layer_norm_forward(x, l.cross_ln_w.data(), l.cross_ln_b.data(), ln_eps, h, n, d);
        linear_forward(l.cross_q.w, linear_bias(l.cross_q), h, st.q.data(), n);
        attention_full_forward(st.q.data(), cross.k[li].data(), cross.v[li].data(), st.attn.data(), n,
                               cross.n_audio_ctx, c.n_text_head, head_dim, scale);
        linear_forward(l.cross_o.w, linear_bias(l.cross_o), st.attn.data(), h, n);
        for (size_t i = 0; i < nd; i++) x[i] += h[i];

        layer_norm_forward(x, l.ffn_ln_w.data(), l.ffn_ln_b.data(), ln_eps, h, n, d);
        linear_forward(l.fc1.w, linear_bias(l.fc1), h, st.ff.data(), n);
        gelu_erf_forward(st.ff.data(), n * c.n_ff_text);
        linear_forward(l.fc2.w, linear_bias(l.fc2), st.ff.data(), h, n);
        for (size_t i = 0; i < nd; i++) x[i] += h[i];
    }
    st.n_past += n;
    const int64_t n_rows = n - first_logit_row;
    if (n_rows <= 0) return;
    layer_norm_forward(x + first_logit_row * d, m.dec_ln_w.data(), m.dec_ln_b.data(), ln_eps, h, n_rows, d);
    linear_forward(m.tok_embd, nullptr, h, logits, n_rows);
}

}  // namespace clinote
