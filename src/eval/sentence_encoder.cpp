#include "eval/sentence_encoder.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "core/half.h"
#include "core/json_int.h"
#include "core/paths.h"
#include "ops/linear.h"

namespace clinote {

namespace {

std::vector<float> vector_f32(const safetensors_set& w, const std::string& name, int64_t n, const std::string& dir) {
    const tensor_view* t = w.find_tensor(name);
    if (!t) fail(dir + "/model.safetensors", "missing tensor " + name);
    if (t->numel() != n) fail(dir + "/model.safetensors", name + ": expected " + std::to_string(n) + " values");
    std::vector<float> out(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i++) {
        if (t->type == dtype::f32) out[size_t(i)] = static_cast<const float*>(t->data)[i];
        else if (t->type == dtype::f16) out[size_t(i)] = f16_to_f32(static_cast<const uint16_t*>(t->data)[i]);
        else out[size_t(i)] = bf16_to_f32(static_cast<const uint16_t*>(t->data)[i]);
    }
    return out;
}

const tensor_view* matrix(const safetensors_set& w, const std::string& name, int64_t rows, int64_t cols,
                          const std::string& dir) {
    const tensor_view* t = w.find_tensor(name);
    if (!t) fail(dir + "/model.safetensors", "missing tensor " + name);
    if (t->shape.size() != 2 || t->shape[0] != rows || t->shape[1] != cols)
        fail(dir + "/model.safetensors", name + ": expected shape [" + std::to_string(rows) + ", " + std::to_string(cols) + "]");
    return t;
}

void layer_norm(float* x, const std::vector<float>& w, const std::vector<float>& b, float eps, int64_t n_rows, int dim) {
    for (int64_t r = 0; r < n_rows; r++) {
        float* row = x + r * dim;
        double mean = 0, var = 0;
        for (int i = 0; i < dim; i++) mean += row[i];
        mean /= dim;
        for (int i = 0; i < dim; i++) var += (row[i] - mean) * (row[i] - mean);
        const double inv = 1.0 / std::sqrt(var / dim + eps);
        for (int i = 0; i < dim; i++) row[i] = float((row[i] - mean) * inv) * w[size_t(i)] + b[size_t(i)];
    }
}

// Bidirectional multi-head attention (the engine's attention op is causal): q, k, v [n, dim].
void self_attention(const float* q, const float* k, const float* v, float* out, int64_t n, int n_head, int dim) {
    const int hd = dim / n_head;
    const float scale = 1.0f / std::sqrt(float(hd));
    std::vector<float> scores(static_cast<size_t>(n));
    for (int h = 0; h < n_head; h++)
        for (int64_t i = 0; i < n; i++) {
            const float* qi = q + i * dim + h * hd;
            float top = -INFINITY;
            for (int64_t j = 0; j < n; j++) {
                const float* kj = k + j * dim + h * hd;
                float s = 0;
                for (int d = 0; d < hd; d++) s += qi[d] * kj[d];
                scores[size_t(j)] = s * scale;
                top = std::max(top, scores[size_t(j)]);
            }
            double total = 0;
            for (int64_t j = 0; j < n; j++) total += scores[size_t(j)] = std::exp(scores[size_t(j)] - top);
            float* o = out + i * dim + h * hd;
            std::fill(o, o + hd, 0.0f);
            for (int64_t j = 0; j < n; j++) {
                const float p = float(scores[size_t(j)] / total);
                const float* vj = v + j * dim + h * hd;
                for (int d = 0; d < hd; d++) o[d] += p * vj[d];
            }
        }
}

}  // namespace

std::string sentence_encoder_default_dir() { return models_dir() + "/all-MiniLM-L6-v2"; }

sentence_encoder sentence_encoder_load(const std::string& dir) {
    const std::string config_path = dir + "/config.json";
    nlohmann::json config;
    try {
        config = nlohmann::json::parse(file_read_text(config_path));
    } catch (const nlohmann::json::exception& e) {
        fail(config_path, std::string("not valid JSON: ") + e.what());
    }
    if (config.value("model_type", "") != "bert") fail(config_path, "model_type is not bert");
    if (config.value("hidden_act", "") != "gelu") fail(config_path, "hidden_act is not gelu (exact GELU is implemented)");
    if (config.value("position_embedding_type", "absolute") != "absolute")
        fail(config_path, "position_embedding_type is not absolute");
    json_numbers_fit_float(config, config_path);
    sentence_encoder enc;
    int positions = 0;  // rows of the position embeddings; max_tokens may be fewer
    enc.name = dir.substr(dir.find_last_of('/') + 1);
    try {
        enc.n_layer = json_int<int>(config.at("num_hidden_layers"), config_path + ": num_hidden_layers");
        enc.n_head = json_int<int>(config.at("num_attention_heads"), config_path + ": num_attention_heads");
        enc.dim = json_int<int>(config.at("hidden_size"), config_path + ": hidden_size");
        enc.ffn_dim = json_int<int>(config.at("intermediate_size"), config_path + ": intermediate_size");
        enc.norm_eps = config.value("layer_norm_eps", 1e-12f);
        positions = json_int<int>(config.at("max_position_embeddings"), config_path + ": max_position_embeddings");
        enc.max_tokens = positions;
    } catch (const nlohmann::json::exception& e) {
        fail(config_path, std::string("missing or wrong field: ") + e.what());
    }
    if (enc.n_head <= 0 || enc.dim % enc.n_head != 0) fail(config_path, "hidden_size is not a multiple of num_attention_heads");
    const std::string st_config = dir + "/sentence_bert_config.json";
    if (FILE* f = std::fopen(st_config.c_str(), "rb")) {
        std::fclose(f);
        enc.max_tokens = std::min(enc.max_tokens, nlohmann::json::parse(file_read_text(st_config)).value("max_seq_length", enc.max_tokens));
    }
    enc.tokenizer = wordpiece_load(dir + "/tokenizer.json");
    enc.weights = std::make_unique<safetensors_set>(safetensors_open_dir(dir));
    const safetensors_set& w = *enc.weights;
    const int64_t d = enc.dim, ff = enc.ffn_dim;
    const int64_t n_vocab = int64_t(enc.tokenizer.pieces.size());
    enc.word_embeddings = matrix(w, "embeddings.word_embeddings.weight", n_vocab, d, dir);
    enc.position_embeddings = matrix(w, "embeddings.position_embeddings.weight", int64_t(positions), d, dir);
    enc.token_type_embeddings = w.find_tensor("embeddings.token_type_embeddings.weight");
    if (!enc.token_type_embeddings || enc.token_type_embeddings->cols() != d)
        fail(dir + "/model.safetensors", "missing tensor embeddings.token_type_embeddings.weight");
    enc.embed_norm_w = vector_f32(w, "embeddings.LayerNorm.weight", d, dir);
    enc.embed_norm_b = vector_f32(w, "embeddings.LayerNorm.bias", d, dir);
    for (int l = 0; l < enc.n_layer; l++) {
        const std::string p = "encoder.layer." + std::to_string(l) + ".";
        bert_layer L;
        L.q = matrix(w, p + "attention.self.query.weight", d, d, dir);
        L.k = matrix(w, p + "attention.self.key.weight", d, d, dir);
        L.v = matrix(w, p + "attention.self.value.weight", d, d, dir);
        L.attn_out = matrix(w, p + "attention.output.dense.weight", d, d, dir);
        L.ffn_in = matrix(w, p + "intermediate.dense.weight", ff, d, dir);
        L.ffn_out = matrix(w, p + "output.dense.weight", d, ff, dir);
        L.q_bias = vector_f32(w, p + "attention.self.query.bias", d, dir);
        L.k_bias = vector_f32(w, p + "attention.self.key.bias", d, dir);
        L.v_bias = vector_f32(w, p + "attention.self.value.bias", d, dir);
        L.attn_out_bias = vector_f32(w, p + "attention.output.dense.bias", d, dir);
        L.attn_norm_w = vector_f32(w, p + "attention.output.LayerNorm.weight", d, dir);
        L.attn_norm_b = vector_f32(w, p + "attention.output.LayerNorm.bias", d, dir);
        L.ffn_in_bias = vector_f32(w, p + "intermediate.dense.bias", ff, dir);
        L.ffn_out_bias = vector_f32(w, p + "output.dense.bias", d, dir);
        L.ffn_norm_w = vector_f32(w, p + "output.LayerNorm.weight", d, dir);
        L.ffn_norm_b = vector_f32(w, p + "output.LayerNorm.bias", d, dir);
        enc.layers.push_back(std::move(L));
    }
    return enc;
}

encoded_text sentence_encoder_run(const sentence_encoder& enc, std::vector<int32_t> ids) {
    const int64_t n = int64_t(ids.size());
    const int dim = enc.dim;
    if (n == 0 || n > enc.max_tokens) fail("sentence encoder", "needs 1 to " + std::to_string(enc.max_tokens) + " tokens, got " + std::to_string(n));
    std::vector<float> x(size_t(n * dim)), pos(size_t(n * dim)), type(static_cast<size_t>(dim));
    embedding_forward(*enc.word_embeddings, ids.data(), n, x.data());
    std::vector<int32_t> positions(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i++) positions[size_t(i)] = int32_t(i);
    embedding_forward(*enc.position_embeddings, positions.data(), n, pos.data());
    const int32_t type_zero = 0;  // one segment: every token has token type 0
    embedding_forward(*enc.token_type_embeddings, &type_zero, 1, type.data());
    for (int64_t i = 0; i < n; i++)
        for (int d = 0; d < dim; d++) x[size_t(i * dim + d)] += pos[size_t(i * dim + d)] + type[size_t(d)];
    layer_norm(x.data(), enc.embed_norm_w, enc.embed_norm_b, enc.norm_eps, n, dim);

    std::vector<float> q(x.size()), k(x.size()), v(x.size()), att(x.size()), proj(x.size());
    std::vector<float> hidden(size_t(n * enc.ffn_dim));
    for (const bert_layer& L : enc.layers) {
        linear_forward(*L.q, L.q_bias.data(), x.data(), q.data(), n);
        linear_forward(*L.k, L.k_bias.data(), x.data(), k.data(), n);
        linear_forward(*L.v, L.v_bias.data(), x.data(), v.data(), n);
        self_attention(q.data(), k.data(), v.data(), att.data(), n, enc.n_head, dim);
        linear_forward(*L.attn_out, L.attn_out_bias.data(), att.data(), proj.data(), n);
        for (size_t i = 0; i < x.size(); i++) x[i] += proj[i];
        layer_norm(x.data(), L.attn_norm_w, L.attn_norm_b, enc.norm_eps, n, dim);
        linear_forward(*L.ffn_in, L.ffn_in_bias.data(), x.data(), hidden.data(), n);
        for (float& h : hidden) h = 0.5f * h * (1.0f + std::erf(h * float(M_SQRT1_2)));
        linear_forward(*L.ffn_out, L.ffn_out_bias.data(), hidden.data(), proj.data(), n);
        for (size_t i = 0; i < x.size(); i++) x[i] += proj[i];
        layer_norm(x.data(), L.ffn_norm_w, L.ffn_norm_b, enc.norm_eps, n, dim);
    }

    encoded_text out;
    out.ids = std::move(ids);
    out.sentence_embedding.assign(size_t(dim), 0.0f);
    std::vector<double> mean(size_t(dim), 0.0);
    for (int64_t i = 0; i < n; i++)
        for (int d = 0; d < dim; d++) mean[size_t(d)] += x[size_t(i * dim + d)];
    double norm = 0;
    for (double& m : mean) { m /= double(n); norm += m * m; }
    norm = std::max(std::sqrt(norm), 1e-12);  // torch.nn.functional.normalize's eps
    for (int d = 0; d < dim; d++) out.sentence_embedding[size_t(d)] = float(mean[size_t(d)] / norm);
    out.token_embeddings = std::move(x);
    return out;
}

std::vector<encoded_text> sentence_encode_windows(const sentence_encoder& enc, std::string_view text) {
    const std::vector<int32_t> pieces = wordpiece_encode(enc.tokenizer, text);
    const size_t window = size_t(enc.max_tokens - 2);
    std::vector<encoded_text> out;
    size_t start = 0;
    do {
        const size_t end = std::min(pieces.size(), start + window);
        std::vector<int32_t> ids = {enc.tokenizer.cls_id};
        ids.insert(ids.end(), pieces.begin() + ptrdiff_t(start), pieces.begin() + ptrdiff_t(end));
        ids.push_back(enc.tokenizer.sep_id);
        out.push_back(sentence_encoder_run(enc, std::move(ids)));
        start = end;
    } while (start < pieces.size());
    return out;
}

encoded_text sentence_encode(const sentence_encoder& enc, std::string_view text) {
    std::vector<int32_t> pieces = wordpiece_encode(enc.tokenizer, text);
    pieces.resize(std::min(pieces.size(), size_t(enc.max_tokens - 2)));
    pieces.insert(pieces.begin(), enc.tokenizer.cls_id);
    pieces.push_back(enc.tokenizer.sep_id);
    return sentence_encoder_run(enc, std::move(pieces));
}

}  // namespace clinote
