// Model hyper-parameters from a Hugging Face config.json or from GGUF metadata.
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_int.h"
#include "model/model.h"
#include "model/model_config_read.h"

namespace clinote {

const char* model_arch_name(model_arch a) {
    switch (a) {
        case model_arch::llama: return "llama";
        case model_arch::qwen2: return "qwen2";
        case model_arch::gemma3: return "gemma3";
    }
    return "?";
}

// A size read from a file, checked before anything divides by it or sizes a buffer with
// it: a corrupt value fails here, naming the key, and not as a crash or a huge allocation.
static int size_check(int64_t v, const std::string& key, const std::string& where, int64_t lo, int64_t hi) {
    if (v < lo || v > hi)
        fail(where, "\"" + key + "\" is " + std::to_string(v) + "; must be between " + std::to_string(lo) + " and " +
                        std::to_string(hi));
    return int(v);
}

constexpr int64_t k_max_dim = 1 << 20;      // widths, heads, layers, vocabulary
constexpr int64_t k_max_context = 1 << 24;  // positions

// What the sizes must satisfy together, and the floats that scale everything.
static void config_check(const model_config& c, const std::string& where) {
    if (c.n_head % c.n_head_kv != 0)
        fail(where, "attention heads (" + std::to_string(c.n_head) + ") are not a multiple of the key/value heads (" +
                        std::to_string(c.n_head_kv) + ")");
    if (c.head_dim % 2 != 0) fail(where, "head dimension " + std::to_string(c.head_dim) + " is odd (RoPE rotates pairs)");
    if (c.sliding_window < 0) fail(where, "the sliding window is negative");
    if (!(std::isfinite(c.rms_eps) && c.rms_eps >= 0)) fail(where, "the norm epsilon is not a non-negative number");
    if (!(std::isfinite(c.attn_scale) && c.attn_scale > 0)) fail(where, "the attention scale is not a positive number");
    for (const auto* f : {&c.inv_freq_global, &c.inv_freq_local})
        for (float x : *f)
            if (!(std::isfinite(x) && x > 0)) fail(where, "the RoPE base or scaling gives a non-positive frequency");
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
    if (const auto v = json_get<T>(j[key])) return *v;
    fail(where, std::string("\"") + key + "\" has the wrong type");
}

static model_config config_from_hf_json(nlohmann::json j, const std::string& where) {
    // Multimodal Gemma 3 (MedGemma 4B) nests the language model's settings.
    if (j.contains("text_config") && j["text_config"].is_object()) j = j["text_config"];
    const std::string type = j.value("model_type", "");
    model_config c;
    if (type == "llama" || type == "mistral") c.arch = model_arch::llama;
    else if (type == "qwen2") c.arch = model_arch::qwen2;
    else if (type == "gemma3_text" || type == "gemma3") c.arch = model_arch::gemma3;
    else fail(where, "unsupported model_type \"" + type + "\" (supported: llama, qwen2, gemma3_text)");
    c.arch_name = model_arch_name(c.arch);
    c.n_vocab = size_check(required<int64_t>(j, "vocab_size", where), "vocab_size", where, 1, k_max_dim);
    c.n_embd = size_check(required<int64_t>(j, "hidden_size", where), "hidden_size", where, 1, k_max_dim);
    c.n_layer = size_check(required<int64_t>(j, "num_hidden_layers", where), "num_hidden_layers", where, 1, k_max_dim);
    c.n_head = size_check(required<int64_t>(j, "num_attention_heads", where), "num_attention_heads", where, 1, k_max_dim);
    c.n_head_kv = size_check(json_int_or<int64_t>(j, "num_key_value_heads", c.n_head, where), "num_key_value_heads", where, 1, k_max_dim);
    c.n_ff = size_check(required<int64_t>(j, "intermediate_size", where), "intermediate_size", where, 1, k_max_dim);
    c.head_dim = size_check((j.contains("head_dim") && !j["head_dim"].is_null()) ? json_int<int64_t>(j["head_dim"], where + ": head_dim")
                                                                                  : int64_t(c.n_embd / c.n_head),
                            "head_dim", where, 1, k_max_dim);
    c.n_ctx_train = size_check(json_int_or<int64_t>(j, "max_position_embeddings", 2048, where), "max_position_embeddings", where, 1,
                               k_max_context);
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
        c.sliding_window = json_int_or<int>(j, "sliding_window", 4096, where);
        if (j.contains("layer_types") && j["layer_types"].is_array()) {
            if (int(j["layer_types"].size()) != c.n_layer) fail(where, "\"layer_types\" does not list every layer");
            for (int i = 0; i < c.n_layer; i++)
                c.layer_is_sliding[size_t(i)] = j["layer_types"][size_t(i)].get<std::string>() == "sliding_attention";
        } else {
            const int pattern = size_check(json_int_or<int64_t>(j, "sliding_window_pattern", 6, where), "sliding_window_pattern", where, 1,
                                           k_max_dim);
            for (int i = 0; i < c.n_layer; i++) c.layer_is_sliding[size_t(i)] = (i + 1) % pattern != 0;
        }
        c.inv_freq_local = hf_inv_freq(local_rope, 10000.0f, c.head_dim, where);
    }
    config_check(c, where);
    return c;
}

model_config model_config_from_hf(const std::string& text, const std::string& where) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        fail(where, std::string("invalid JSON: ") + e.what());
    }
    if (!j.is_object()) fail(where, "must be a JSON object");
    json_numbers_fit_float(j, where);  // floats are read as float; 1e300 would not convert
    // Optional fields are read with json::value and get, which throw on a wrong type (found
    // by fuzz/hf_config.cpp: a config.json that is a number, or a string where a number goes).
    try {
        return config_from_hf_json(std::move(j), where);
    } catch (const nlohmann::json::exception& e) {
        fail(where, std::string("a field has the wrong type: ") + e.what());
    }
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
    auto need_int = [&](const std::string& key, int64_t hi = k_max_dim) {
        auto v = g.get_int(arch + "." + key);
        if (!v) fail(where, "missing metadata \"" + arch + "." + key + "\"");
        return size_check(*v, arch + "." + key, where, 1, hi);
    };
    auto int_or = [&](const std::string& key, int64_t fallback, int64_t lo = 1, int64_t hi = k_max_dim) {
        return size_check(g.get_int(arch + "." + key).value_or(fallback), arch + "." + key, where, lo, hi);
    };
    c.n_embd = need_int("embedding_length");
    c.n_layer = need_int("block_count");
    c.n_head = need_int("attention.head_count");
    c.n_head_kv = int_or("attention.head_count_kv", c.n_head);
    c.n_ff = need_int("feed_forward_length");
    c.n_ctx_train = int_or("context_length", 2048, 1, k_max_context);
    c.head_dim = int_or("attention.key_length", c.n_embd / c.n_head);
    c.rms_eps = float(g.get_float(arch + ".attention.layer_norm_rms_epsilon").value_or(1e-5));
    c.n_vocab = int_or("vocab_size", 0, 0);  // 0: from the embedding table
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
            const int period = pattern ? size_check(pattern->i, "gemma3.attention.sliding_window_pattern", where, 1, k_max_dim) : 6;
            for (int i = 0; i < c.n_layer; i++) c.layer_is_sliding[size_t(i)] = (i + 1) % period != 0;
        }
        c.inv_freq_local = rope_inv_freq(float(g.get_float("gemma3.rope.freq_base_swa").value_or(10000.0)), c.head_dim);
    }
    config_check(c, where);
    return c;
}

}  // namespace clinote
