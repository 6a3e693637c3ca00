#include "speech/vad.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "core/paths.h"
#include "io/safetensors.h"

namespace clinote {
namespace {

constexpr int stft_window = 256;
constexpr int stft_hop = 128;
constexpr int stft_bins = stft_window / 2 + 1;  // 129
// Each frame is the 64-sample context and 512 new samples, reflect-padded by 64 on the
// right: 640 samples, four 256-sample STFT windows.
constexpr int frame_input = vad_context_samples + vad_frame_samples;
constexpr int padded_input = frame_input + 64;
constexpr int stft_frames = (padded_input - stft_window) / stft_hop + 1;

std::vector<float> tensor_f32(const safetensors_file& file, const std::string& name,
                              const std::vector<int64_t>& shape) {
    const tensor_view* t = file.find_tensor(name);
    if (!t) fail(file.file.path, "missing tensor " + name);
    if (t->type != dtype::f32) fail(file.file.path, "tensor " + name + " is not F32");
    if (t->shape != shape) {
        std::string want, got;
        for (int64_t d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
        for (int64_t d : t->shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
        fail(file.file.path, "tensor " + name + " has shape [" + got + "], expected [" + want + "]");
    }
    const float* p = static_cast<const float*>(t->data);
    return {p, p + t->numel()};
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// Kernel 3, padding 1, then ReLU; activations are time-major [t][channel].
std::vector<float> conv_relu(const vad_conv& conv, const std::vector<float>& in, int t_in, int* t_out) {
    const int t_n = (t_in + 2 - 3) / conv.stride + 1;
    const int k_n = conv.in * 3;
    std::vector<float> cols(size_t(t_n) * size_t(k_n), 0.0f);
    for (int t = 0; t < t_n; t++)
        for (int i = 0; i < conv.in; i++)
            for (int k = 0; k < 3; k++) {
                const int src = t * conv.stride + k - 1;
                if (src >= 0 && src < t_in) cols[size_t(t) * k_n + size_t(i) * 3 + k] = in[size_t(src) * conv.in + i];
            }
    std::vector<float> out(size_t(t_n) * size_t(conv.out));
    for (int t = 0; t < t_n; t++) std::copy(conv.bias.begin(), conv.bias.end(), out.begin() + t * conv.out);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t_n, conv.out, k_n, 1.0f, cols.data(), k_n,
                conv.weight.data(), k_n, 1.0f, out.data(), conv.out);
    for (float& v : out) v = std::max(v, 0.0f);
    *t_out = t_n;
    return out;
}

}  // namespace

vad_model vad_load(const std::string& path) {
    const safetensors_file file = safetensors_open(path);
    vad_model m;
    m.stft = tensor_f32(file, "stft_conv.weight", {2 * stft_bins, 1, stft_window});
    const int channels[5] = {stft_bins, 128, 64, 64, 128};
    const int strides[4] = {1, 2, 2, 1};
    for (int l = 0; l < 4; l++) {
        vad_conv& c = m.encoder[size_t(l)];
        c.in = channels[l];
        c.out = channels[l + 1];
        c.stride = strides[l];
        const std::string name = "conv" + std::to_string(l + 1);
        c.weight = tensor_f32(file, name + ".weight", {c.out, c.in, 3});
        c.bias = tensor_f32(file, name + ".bias", {c.out});
    }
    m.lstm_w_ih = tensor_f32(file, "lstm_cell.weight_ih", {4 * vad_hidden, vad_hidden});
    m.lstm_w_hh = tensor_f32(file, "lstm_cell.weight_hh", {4 * vad_hidden, vad_hidden});
    m.lstm_b = tensor_f32(file, "lstm_cell.bias_ih", {4 * vad_hidden});
    const std::vector<float> b_hh = tensor_f32(file, "lstm_cell.bias_hh", {4 * vad_hidden});
    for (size_t i = 0; i < m.lstm_b.size(); i++) m.lstm_b[i] += b_hh[i];
    m.out_w = tensor_f32(file, "final_conv.weight", {1, vad_hidden, 1});
    m.out_b = tensor_f32(file, "final_conv.bias", {1})[0];
    return m;
}

std::string vad_default_model_path() {
    const std::string rel = "/silero-vad/silero_vad_16k.safetensors";
    for (const std::string& dir : {models_dir(), shared_dir() + "/models"})
        if (std::filesystem::exists(dir + rel)) return dir + rel;
    fail(models_dir() + rel, "Silero VAD weights not found (run scripts/setup.sh)");
}

float vad_frame_probability(const vad_model& m, vad_state& state, const float* frame) {
    float x[padded_input];
    std::copy(state.context.begin(), state.context.end(), x);
    std::copy(frame, frame + vad_frame_samples, x + vad_context_samples);
    for (int i = 0; i < padded_input - frame_input; i++) x[frame_input + i] = x[frame_input - 2 - i];
    std::copy(frame + vad_frame_samples - vad_context_samples, frame + vad_frame_samples, state.context.begin());

    // STFT as a strided convolution with the model's own DFT rows, then magnitudes.
    float windows[stft_frames * stft_window];
    for (int t = 0; t < stft_frames; t++) std::copy(x + t * stft_hop, x + t * stft_hop + stft_window, windows + t * stft_window);
    float spec[stft_frames * 2 * stft_bins];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, stft_frames, 2 * stft_bins, stft_window, 1.0f, windows,
                stft_window, m.stft.data(), stft_window, 0.0f, spec, 2 * stft_bins);
    std::vector<float> act(size_t(stft_frames) * stft_bins);
    for (int t = 0; t < stft_frames; t++)
        for (int k = 0; k < stft_bins; k++) {
            const float re = spec[t * 2 * stft_bins + k], im = spec[t * 2 * stft_bins + stft_bins + k];
            act[size_t(t) * stft_bins + size_t(k)] = std::sqrt(re * re + im * im);
        }
    int t_n = stft_frames;
    for (const vad_conv& conv : m.encoder) act = conv_relu(conv, act, t_n, &t_n);

    // One LSTM cell step on the encoder's single output vector.
    float gates[4 * vad_hidden];
    std::copy(m.lstm_b.begin(), m.lstm_b.end(), gates);
    cblas_sgemv(CblasRowMajor, CblasNoTrans, 4 * vad_hidden, vad_hidden, 1.0f, m.lstm_w_ih.data(), vad_hidden,
                act.data(), 1, 1.0f, gates, 1);
    cblas_sgemv(CblasRowMajor, CblasNoTrans, 4 * vad_hidden, vad_hidden, 1.0f, m.lstm_w_hh.data(), vad_hidden,
                state.h.data(), 1, 1.0f, gates, 1);
    float logit = m.out_b;
    for (int j = 0; j < vad_hidden; j++) {
        const float i = sigmoid(gates[j]), f = sigmoid(gates[vad_hidden + j]);
        const float g = std::tanh(gates[2 * vad_hidden + j]), o = sigmoid(gates[3 * vad_hidden + j]);
        state.c[size_t(j)] = f * state.c[size_t(j)] + i * g;
        state.h[size_t(j)] = o * std::tanh(state.c[size_t(j)]);
        logit += m.out_w[size_t(j)] * std::max(state.h[size_t(j)], 0.0f);
    }
    return sigmoid(logit);
}

std::vector<float> vad_probabilities(const vad_model& model, const float* samples, int64_t n) {
    vad_state state;
    std::vector<float> probs;
    probs.reserve(size_t((n + vad_frame_samples - 1) / vad_frame_samples));
    float frame[vad_frame_samples];
    for (int64_t start = 0; start < n; start += vad_frame_samples) {
        const int64_t len = std::min<int64_t>(vad_frame_samples, n - start);
        std::copy(samples + start, samples + start + len, frame);
        std::fill(frame + len, frame + vad_frame_samples, 0.0f);
        probs.push_back(vad_frame_probability(model, state, frame));
    }
    return probs;
}

}  // namespace clinote
