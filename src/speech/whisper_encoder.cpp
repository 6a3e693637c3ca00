#include "speech/whisper_encoder.h"

#include <cmath>

#include "core/error.h"
#include "ops/attention_full.h"
#include "ops/gelu.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"

namespace clinote {

namespace {

constexpr float ln_eps = 1e-5f;

// Conv1d with kernel 3 and padding 1 as a matrix product: x is [n_in, c_in] (time-major),
// each output step sees the (channel, tap) window laid out as the kernel's rows {c_out, c_in, 3}.
std::vector<float> conv1d_k3(const tensor_view& w, const std::vector<float>& bias, const std::vector<float>& x,
                             int64_t n_in, int64_t c_in, int stride) {
    const int64_t n_out = (n_in - 1) / stride + 1;  // (n_in + 2·pad - k) / stride + 1
    std::vector<float> cols(size_t(n_out * c_in * 3));
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < n_out; t++) {
        float* row = &cols[size_t(t * c_in * 3)];
        for (int k = 0; k < 3; k++) {
            const int64_t src = t * stride + k - 1;
            for (int64_t c = 0; c < c_in; c++)
                row[c * 3 + k] = src < 0 || src >= n_in ? 0.0f : x[size_t(src * c_in + c)];
        }
    }
    std::vector<float> y(size_t(n_out * w.rows()));
    linear_forward(w, bias.data(), cols.data(), y.data(), n_out);
    return y;
}

}  // namespace

std::vector<float> whisper_encode(const whisper_model& m, const float* mel, int n_mels, int64_t n_frames) {
    const whisper_config& c = m.config;
    if (n_mels != c.n_mels) fail("mel", std::to_string(n_mels) + " mel bins, the model expects " + std::to_string(c.n_mels));
    if (n_frames != 2 * int64_t(c.n_audio_ctx))
        fail("mel", std::to_string(n_frames) + " frames, the model expects " + std::to_string(2 * c.n_audio_ctx));
    const int64_t d = c.d_model, n = c.n_audio_ctx;

    std::vector<float> x_t(size_t(n_frames * n_mels));  // [frames, mels]
    for (int64_t f = 0; f < n_frames; f++)
        for (int b = 0; b < n_mels; b++) x_t[size_t(f * n_mels + b)] = mel[size_t(b * n_frames + f)];
    std::vector<float> h1 = conv1d_k3(m.conv1_w, m.conv1_b, x_t, n_frames, n_mels, 1);
    gelu_erf_forward(h1.data(), int64_t(h1.size()));
    std::vector<float> x = conv1d_k3(m.conv2_w, m.conv2_b, h1, n_frames, d, 2);
    gelu_erf_forward(x.data(), int64_t(x.size()));
    for (size_t i = 0; i < x.size(); i++) x[i] += m.audio_pos[i];

    const int head_dim = int(d / c.n_audio_head);
    const float scale = 1.0f / std::sqrt(float(head_dim));
    std::vector<float> h(size_t(n * d)), q(h.size()), k(h.size()), v(h.size()), attn(h.size()), ff(size_t(n * c.n_ff_audio));
    for (const whisper_encoder_layer& l : m.enc) {
        layer_norm_forward(x.data(), l.attn_ln_w.data(), l.attn_ln_b.data(), ln_eps, h.data(), n, d);
        linear_forward(l.q.w, linear_bias(l.q), h.data(), q.data(), n);
        linear_forward(l.k.w, nullptr, h.data(), k.data(), n);
        linear_forward(l.v.w, linear_bias(l.v), h.data(), v.data(), n);
        attention_full_forward(q.data(), k.data(), v.data(), attn.data(), n, n, c.n_audio_head, head_dim, scale);
        linear_forward(l.o.w, linear_bias(l.o), attn.data(), h.data(), n);
        for (size_t i = 0; i < x.size(); i++) x[i] += h[i];

        layer_norm_forward(x.data(), l.ffn_ln_w.data(), l.ffn_ln_b.data(), ln_eps, h.data(), n, d);
        linear_forward(l.fc1.w, linear_bias(l.fc1), h.data(), ff.data(), n);
        gelu_erf_forward(ff.data(), int64_t(ff.size()));
        linear_forward(l.fc2.w, linear_bias(l.fc2), ff.data(), h.data(), n);
        for (size_t i = 0; i < x.size(); i++) x[i] += h[i];
    }
    layer_norm_forward(x.data(), m.enc_ln_w.data(), m.enc_ln_b.data(), ln_eps, x.data(), n, d);
    return x;
}

}  // namespace clinote
