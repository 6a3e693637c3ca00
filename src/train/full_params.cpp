#include "train/full_params.h"

#include <algorithm>

#include "model/adapter_layout.h"
#include "model/adapter_merge.h"

namespace clinote {

namespace {

linear_weight& layer_linear_mut(layer_weights& l, lora_target t) {
    return const_cast<linear_weight&>(layer_linear(l, t));
}

tensor_view f32_view(const std::string& name, const std::vector<float>& v, std::vector<int64_t> shape) {
    return {name, dtype::f32, std::move(shape), v.data(), v.size() * sizeof(float)};
}

std::string bias_name(const std::string& weight_name) {
    const std::string suffix = ".weight";
    return weight_name.ends_with(suffix) ? weight_name.substr(0, weight_name.size() - suffix.size()) + ".bias"
                                         : weight_name + ".bias";
}

}  // namespace

full_weights full_weights_from_model(const model& m) {
    full_weights w;
    w.tok_embd = tensor_to_f32(m.tok_embd);
    if (m.output.data != m.tok_embd.data) w.output = tensor_to_f32(m.output);
    w.output_norm = m.output_norm;
    for (const layer_weights& l : m.layers) {
        full_layer f{l.attn_norm, l.ffn_norm, l.q_norm, l.k_norm, l.post_attn_norm, l.post_ffn_norm, {}, {}};
        for (int t = 0; t < lora_target_count; t++) {
            const linear_weight& lw = layer_linear(l, lora_target(t));
            f.w[size_t(t)] = tensor_to_f32(lw.w);
            f.bias[size_t(t)] = lw.bias;
        }
        w.layers.push_back(std::move(f));
    }
    return w;
}

full_weights full_weights_zeros_like(const full_weights& w) {
    full_weights z = w;
    full_weights_fill_zero(z);
    return z;
}

std::vector<full_param> full_params(full_weights& w, const model& m) {
    const model_config& c = m.config;
    const int64_t E = c.n_embd;
    std::vector<full_param> out;
    for (size_t il = 0; il < w.layers.size(); il++) {
        full_layer& l = w.layers[il];
        const std::string b = "layers." + std::to_string(il) + ".";
        const std::pair<const char*, std::vector<float>*> norms[] = {
            {"attn_norm", &l.attn_norm}, {"ffn_norm", &l.ffn_norm},           {"q_norm", &l.q_norm},
            {"k_norm", &l.k_norm},       {"post_attn_norm", &l.post_attn_norm}, {"post_ffn_norm", &l.post_ffn_norm}};
        for (const auto& [name, v] : norms)
            if (!v->empty()) out.push_back({b + name, {int64_t(v->size())}, v, false});
        for (int t = 0; t < lora_target_count; t++) {
            const tensor_view& base = layer_linear(m.layers[il], lora_target(t)).w;
            const std::string p = b + lora_target_name(lora_target(t));
            out.push_back({p + ".weight", base.shape, &l.w[size_t(t)], true});
            if (!l.bias[size_t(t)].empty())
                out.push_back({p + ".bias", {base.rows()}, &l.bias[size_t(t)], false});
        }
    }
    out.push_back({"embed_tokens", {c.n_vocab, E}, &w.tok_embd, true});
    if (!w.output.empty()) out.push_back({"lm_head", {c.n_vocab, E}, &w.output, true});
    out.push_back({"norm", {E}, &w.output_norm, false});
    return out;
}

void full_weights_fill_zero(full_weights& w) {
    full_weights_each(w, [](std::vector<float>& v, bool) { std::fill(v.begin(), v.end(), 0.0f); });
}

double full_weights_sum_squares(const full_weights& w) {
    double sum = 0.0;
    full_weights_each(const_cast<full_weights&>(w), [&](std::vector<float>& v, bool) {
        for (float x : v) sum += double(x) * x;
    });
    return sum;
}

void full_weights_scale(full_weights& w, float factor) {
    full_weights_each(w, [&](std::vector<float>& v, bool) {
        for (float& x : v) x *= factor;
    });
}

std::unique_ptr<model> full_model_view(const model& base, const full_weights& w) {
    auto v = std::make_unique<model>();
    v->path = base.path;
    v->config = base.config;
    v->tok = base.tok;
    v->has_tokenizer = base.has_tokenizer;
    v->matmul = matmul_mode::f32;  // the weights are F32: int8 activations would only lose precision
    v->tok_embd = f32_view(base.tok_embd.name, w.tok_embd, base.tok_embd.shape);
    v->output = w.output.empty() ? v->tok_embd : f32_view(base.output.name, w.output, base.output.shape);
    v->layers = base.layers;
    for (size_t il = 0; il < w.layers.size(); il++)
        for (int t = 0; t < lora_target_count; t++) {
            tensor_view& tv = layer_linear_mut(v->layers[il], lora_target(t)).w;
            tv = f32_view(tv.name, w.layers[il].w[size_t(t)], tv.shape);
        }
    full_model_refresh(*v, w);
    return v;
}

void full_model_refresh(model& view, const full_weights& w) {
    view.output_norm = w.output_norm;
    for (size_t il = 0; il < w.layers.size(); il++) {
        layer_weights& l = view.layers[il];
        const full_layer& f = w.layers[il];
        l.attn_norm = f.attn_norm;
        l.ffn_norm = f.ffn_norm;
        l.q_norm = f.q_norm;
        l.k_norm = f.k_norm;
        l.post_attn_norm = f.post_attn_norm;
        l.post_ffn_norm = f.post_ffn_norm;
        for (int t = 0; t < lora_target_count; t++) layer_linear_mut(l, lora_target(t)).bias = f.bias[size_t(t)];
    }
}

void full_weights_write_gguf(const model& base, const full_weights& w, const std::string& path, dtype type) {
    merged_tensors merged;
    auto& by = merged.by_name;
    by[base.tok_embd.name] = w.tok_embd;
    if (!w.output.empty()) by[base.output.name] = w.output;
    by["output_norm.weight"] = w.output_norm;
    for (size_t il = 0; il < w.layers.size(); il++) {
        const full_layer& f = w.layers[il];
        const layer_names n = gguf_layer_names(int(il));
        const std::pair<const std::string*, const std::vector<float>*> norms[] = {
            {&n.attn_norm, &f.attn_norm}, {&n.ffn_norm, &f.ffn_norm},
            {&n.q_norm, &f.q_norm},       {&n.k_norm, &f.k_norm},
            {&n.post_attn_norm, &f.post_attn_norm}, {&n.post_ffn_norm, &f.post_ffn_norm}};
        for (const auto& [name, v] : norms)
            if (!v->empty()) by[*name] = *v;
        for (int t = 0; t < lora_target_count; t++) {
            const std::string& name = layer_linear(base.layers[il], lora_target(t)).w.name;
            by[name] = f.w[size_t(t)];
            if (!f.bias[size_t(t)].empty()) by[bias_name(name)] = f.bias[size_t(t)];
        }
    }
    merged_write_gguf(base, merged, path, type);
}

}  // namespace clinote
