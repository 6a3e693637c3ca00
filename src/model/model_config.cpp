// Model hyper-parameters from a Hugging Face config.json or from GGUF metadata.
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/model.h"
#include "model/model_config.h"

namespace clinote {

const char* model_arch_name(model_arch a) {
    switch (a) {
        case model_arch::llama: return "llama";
        case model_arch::qwen2: return "qwen2";
        case model_arch::gemma3: return "gemma3";
    }
    return "?";
}

// Llama 3's frequency-dependent RoPE scaling (transformers' _compute_llama3_parameters):
// the factor by which each frequency is divided.
std::vector<float> llama3_rope_factors(const std::vector<float>& inv_freq, float factor, float low_freq_factor,
                                       float high_freq_factor, float original_context) {
    const float low_wavelen = original_context / low_freq_factor;
    const float high_wavelen = original_context / high_freq_factor;
    std::vector<float> out(inv_freq.size());
    for (size_t i = 0; i < inv_freq.size(); i++) {
        const float wavelen = 2.0f * float(M_PI) / inv_freq[i];
        if (wavelen < high_wavelen) {
            out[i] = 1.0f;
        } else if (wavelen > low_wavelen) {
            out[i] = factor;
        } else {
            const float smooth = (original_context / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
            out[i] = 1.0f / ((1.0f - smooth) / factor + smooth);
        }
    }
    return out;
}

// RoPE frequencies for one rope-parameters object ({rope_type, rope_theta, factor, ...}).
static std::vector<float> hf_inv_freq(const nlohmann::json& rp, float default_theta, int head_dim,
                                      const std::string& where) {
    const float theta = rp.value("rope_theta", default_theta);
    std::vector<float> f = rope_inv_freq(theta, head_dim);
    std::string type = rp.value("rope_type", rp.value("type", std::string("default")));
    if (type == "default") return f;
    const float factor = rp.value("factor", 1.0f);
    if (type == "linear") {
        for (float& x : f) x /= factor;
    } else if (type == "llama3") {
        const auto div = llama3_rope_factors(f, factor, rp.value("low_freq_factor", 1.0f),
                                             rp.value("high_freq_factor", 4.0f),
                                             rp.value("original_max_position_embeddings", 8192.0f));
        for (size_t i = 0; i < f.size(); i++) f[i] /= div[i];
    } else {
        fail(where, "unsupported rope scaling type \"" + type + "\" (supported: default, linear, llama3)");
    }
    return f;
}

template <typename T>
static T required(const nlohmann::json& j, const char* key, const std::string& where) {
    if (!j.contains(key) || j[key].is_null()) fail(where, std::string("missing \"") + key + "\"");
    try {
        return j[key].get<T>();
    } catch (const nlohmann::json::exception&) {
        fail(where, std::string("\"") + key + "\" has the wrong type");
    }
}

model_config model_config_from_hf(const std::string& text, const std::string& where) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        fail(where, std::string("invalid JSON: ") + e.what());
    }
    // Multimodal Gemma 3 (MedGemma 4B) nests the language model's settings.
    if (j.contains("text_config") && j["text_config"].is_object()) j = j["text_config"];
    const std::string type = j.value("model_type", "");
    model_config c;
    if (type == "llama" || type == "mistral") c.arch = model_arch::llama;
    else if (type == "qwen2") c.arch = model_arch::qwen2;
    else if (type == "gemma3_text" || type == "gemma3") c.arch = model_arch::gemma3;
    else fail(where, "unsupported model_type \"" + type + "\" (supported: llama, qwen2, gemma3_text)");
    c.arch_name = model_arch_name(c.arch);
    c.n_vocab = required<int>(j, "vocab_size", where);
    c.n_embd = required<int>(j, "hidden_size", where);
    c.n_layer = required<int>(j, "num_hidden_layers", where);
    c.n_head = required<int>(j, "num_attention_heads", where);
    c.n_head_kv = j.value("num_key_value_heads", c.n_head);
    c.n_ff = required<int>(j, "intermediate_size", where);
    c.head_dim = (j.contains("head_dim") && !j["head_dim"].is_null()) ? j["head_dim"].get<int>() : c.n_embd / c.n_head;
    c.n_ctx_train = j.value("max_position_embeddings", 2048);
    c.rms_eps = j.value("rms_norm_eps", 1e-6f);
    c.attn_scale = 1.0f / std::sqrt(float(c.head_dim));
    c.rope = rope_layout::halves;
    c.layer_is_sliding.assign(size_t(c.n_layer), false);
    if (!j.contains("final_logit_softcapping") || j["final_logit_softcapping"].is_null()) c.final_logit_softcap = 0.0f;
    else c.final_logit_softcap = j["final_logit_softcapping"].get<float>();

    // Transformers 5 writes "rope_parameters" (per layer type for Gemma 3); 4 wrote
    // rope_theta + rope_scaling (+ rope_local_base_freq for Gemma 3).
    nlohmann::json global_rope = nlohmann::json::object(), local_rope = nlohmann::json::object();
    if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) {
        const auto& rp = j["rope_parameters"];
        if (rp.contains("full_attention")) {
            global_rope = rp["full_attention"];
            local_rope = rp.value("sliding_attention", nlohmann::json::object());
        } else {
            global_rope = rp;
        }
    } else {
        if (j.contains("rope_scaling") && j["rope_scaling"].is_object()) global_rope = j["rope_scaling"];
        global_rope["rope_theta"] = j.value("rope_theta", 10000.0f);
        local_rope["rope_theta"] = j.value("rope_local_base_freq", 10000.0f);
    }
    c.inv_freq_global = hf_inv_freq(global_rope, 10000.0f, c.head_dim, where);

    if (c.arch == model_arch::gemma3) {
        c.norm_weight_offset = 1.0f;
        c.embed_scale = std::sqrt(float(c.n_embd));
        c.act = activation::gelu_tanh;
        c.qk_norm = true;
        c.post_norms = true;
        c.attn_scale = 1.0f / std::sqrt(j.value("query_pre_attn_scalar", float(c.head_dim)));
        c.sliding_window = j.value("sliding_window", 4096);
        if (j.contains("layer_types") && j["layer_types"].is_array()) {
            if (int(j["layer_types"].size()) != c.n_layer) fail(where, "\"layer_types\" does not list every layer");
            for (int i = 0; i < c.n_layer; i++)
                c.layer_is_sliding[size_t(i)] = j["layer_types"][size_t(i)].get<std::string>() == "sliding_attention";
        } else {
            const int pattern = j.value("sliding_window_pattern", 6);
            for (int i = 0; i < c.n_layer; i++) c.layer_is_sliding[size_t(i)] = (i + 1) % pattern != 0;
        }
        c.inv_freq_local = hf_inv_freq(local_rope, 10000.0f, c.head_dim, where);
    }
    return c;
}

model_config model_config_from_gguf(const gguf_file& g) {
    const std::string where = g.file.path;
    const std::string arch = g.get_string("general.architecture").value_or("");
    model_config c;
    if (arch == "llama") c.arch = model_arch::llama;
    else if (arch == "qwen2") c.arch = model_arch::qwen2;
    else if (arch == "gemma3") c.arch = model_arch::gemma3;
    else fail(where, "unsupported architecture \"" + arch + "\" (supported: llama, qwen2, gemma3)");
    c.arch_name = arch;
    auto need_int = [&](const std::string& key) {
        auto v = g.get_int(arch + "." + key);
        if (!v) fail(where, "missing metadata \"" + arch + "." + key + "\"");
        return int(*v);
    };
    c.n_embd = need_int("embedding_length");
    c.n_layer = need_int("block_count");
    c.n_head = need_int("attention.head_count");
    c.n_head_kv = int(g.get_int(arch + ".attention.head_count_kv").value_or(c.n_head));
    c.n_ff = need_int("feed_forward_length");
    c.n_ctx_train = int(g.get_int(arch + ".context_length").value_or(2048));
    c.head_dim = int(g.get_int(arch + ".attention.key_length").value_or(c.n_embd / c.n_head));
    c.rms_eps = float(g.get_float(arch + ".attention.layer_norm_rms_epsilon").value_or(1e-5));
    c.n_vocab = int(g.get_int(arch + ".vocab_size").value_or(0));  // else from the embedding table
    c.attn_scale = 1.0f / std::sqrt(float(c.head_dim));
    if (auto s = g.get_float(arch + ".attention.scale")) c.attn_scale = float(*s);
    // llama.cpp's converter permutes Llama's Q/K rows so rotated pairs sit side by side.
    c.rope = c.arch == model_arch::llama ? rope_layout::interleaved : rope_layout::halves;
    const int rope_dim = int(g.get_int(arch + ".rope.dimension_count").value_or(c.head_dim));
    if (rope_dim != c.head_dim) fail(where, "partial rotary embeddings are not supported");
    c.inv_freq_global = rope_inv_freq(float(g.get_float(arch + ".rope.freq_base").value_or(10000.0)), c.head_dim);
    const std::string scaling = g.get_string(arch + ".rope.scaling.type").value_or("none");
    if (scaling == "linear") {
        const float factor = float(g.get_float(arch + ".rope.scaling.factor").value_or(1.0));
        for (float& x : c.inv_freq_global) x /= factor;
    } else if (scaling != "none") {
        fail(where, "unsupported rope scaling type \"" + scaling + "\"");
    }
    c.layer_is_sliding.assign(size_t(c.n_layer), false);
    if (c.arch == model_arch::gemma3) {
        // GGUF stores Gemma's norm weights as 1 + w already.
        c.embed_scale = std::sqrt(float(c.n_embd));
        c.act = activation::gelu_tanh;
        c.qk_norm = true;
        c.post_norms = true;
        c.sliding_window = int(g.get_int("gemma3.attention.sliding_window").value_or(4096));
        if (!g.get_float(arch + ".attention.scale") && c.n_layer == 62)  // Gemma 3 27B: query_pre_attn_scalar = n_embd / n_head
            c.attn_scale = 1.0f / std::sqrt(float(c.n_embd / c.n_head));
        const gguf_value* pattern = g.find("gemma3.attention.sliding_window_pattern");
        if (pattern && pattern->type == gguf_type::array) {
            if (int(pattern->array.size()) != c.n_layer) fail(where, "sliding_window_pattern does not list every layer");
            for (int i = 0; i < c.n_layer; i++) c.layer_is_sliding[size_t(i)] = pattern->array[size_t(i)].b;
        } else {
            const int period = pattern ? int(pattern->i) : 6;
            for (int i = 0; i < c.n_layer; i++) c.layer_is_sliding[size_t(i)] = (i + 1) % period != 0;
        }
        c.inv_freq_local = rope_inv_freq(float(g.get_float("gemma3.rope.freq_base_swa").value_or(10000.0)), c.head_dim);
    }
    return c;
}

}  // namespace clinote
