// PEFT adapter directories: adapter_config.json + adapter_model.safetensors, with PEFT's
// key names (base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight, ...) and
// modules_to_save copies (base_model.model.model.embed_tokens.weight, base_model.model.lm_head.weight).
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/error.h"
#include "core/file.h"
#include "core/json_int.h"
#include "io/safetensors.h"
#include "model/adapter_layout.h"
#include "model/adapter_read.h"

namespace clinote {

namespace {

constexpr const char* peft_prefix = "base_model.model.";

std::string peft_lora_key(int layer, lora_target t, char ab) {
    return std::string(peft_prefix) + "model.layers." + std::to_string(layer) + "." + lora_target_hf_parent(t) + "." +
           lora_target_name(t) + ".lora_" + ab + ".weight";
}

std::string peft_copy_key(bool embeddings) {
    return std::string(peft_prefix) + (embeddings ? "model.embed_tokens.weight" : "lm_head.weight");
}

template <typename T>
T config_value(const nlohmann::json& j, const char* key, T fallback, const std::string& where) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (const auto v = json_get<T>(j[key])) return *v;
    fail(where, std::string("\"") + key + "\" has the wrong type");
}

lora_config read_config(const std::string& path) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(file_read_text(path));
    } catch (const nlohmann::json::exception& e) {
        fail(path, std::string("invalid JSON: ") + e.what());
    }
    if (!j.is_object()) fail(path, "not a JSON object");
    const std::string type = config_value<std::string>(j, "peft_type", "LORA", path);
    if (type != "LORA") fail(path, "\"peft_type\" is " + type + "; only LORA adapters are supported");
    if (config_value<bool>(j, "use_dora", false, path)) fail(path, "\"use_dora\": DoRA adapters are not supported");
    if (config_value<std::string>(j, "bias", "none", path) != "none")
        fail(path, "\"bias\": adapters that train biases are not supported");
    for (const char* key : {"rank_pattern", "alpha_pattern"})
        if (j.contains(key) && !j[key].is_null() && !j[key].empty())
            fail(path, std::string("\"") + key + "\": per-layer ranks or alphas are not supported");

    lora_config c;
    if (!j.contains("r")) fail(path, "missing \"r\"");
    c.rank = config_value<int>(j, "r", 0, path);
    if (c.rank <= 0 || c.rank > 4096) fail(path, "\"r\" must be between 1 and 4096");
    c.alpha = config_value<float>(j, "lora_alpha", 8.0f, path);  // PEFT's default
    // An alpha far beyond any trained adapter's scales every update into overflow.
    if (!(c.alpha > 0 && c.alpha <= 1e4f)) fail(path, "\"lora_alpha\" must be above 0 and at most 10000");
    c.dropout = config_value<float>(j, "lora_dropout", 0.0f, path);
    c.rslora = config_value<bool>(j, "use_rslora", false, path);

    c.targets.clear();
    const nlohmann::json& tm = j.contains("target_modules") ? j["target_modules"] : nlohmann::json();
    if (tm.is_string() && tm.get<std::string>() == "all-linear") {
        for (int t = 0; t < lora_target_count; t++) c.targets.push_back(lora_target(t));
    } else if (tm.is_array()) {
        for (const auto& name : tm) {
            lora_target t;
            if (!name.is_string() || !lora_target_from_name(name.get<std::string>(), &t))
                fail(path, "\"target_modules\": unsupported module " + name.dump() +
                               " (supported: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)");
            c.targets.push_back(t);
        }
    } else {
        fail(path, "\"target_modules\" must be a list of module names or \"all-linear\"");
    }
    if (j.contains("modules_to_save") && !j["modules_to_save"].is_null()) {
        if (!j["modules_to_save"].is_array()) fail(path, "\"modules_to_save\" must be a list");
        for (const auto& name : j["modules_to_save"]) {
            const std::string s = name.is_string() ? name.get<std::string>() : name.dump();
            if (s == "embed_tokens") c.train_embeddings = true;
            else if (s == "lm_head") c.train_output = true;
            else fail(path, "\"modules_to_save\": unsupported module " + s + " (supported: embed_tokens, lm_head)");
        }
    }
    return c;
}

bool has_target(const lora_config& c, lora_target t) {
    for (lora_target x : c.targets)
        if (x == t) return true;
    return false;
}

}  // namespace

lora_adapter lora_adapter_read_peft(const std::string& dir, const model& m) {
    lora_adapter a;
    a.config = read_config(dir + "/adapter_config.json");
    const std::string file = dir + "/adapter_model.safetensors";
    const safetensors_file st = safetensors_open(file);
    const model_config& c = m.config;
    a.layers.resize(size_t(c.n_layer));

    // The module path before "layers." varies (model., model.language_model., ...).
    static const std::regex lora_key(R"(^base_model\.model\.(?:[\w.]+\.)?layers\.(\d+)\.(?:self_attn|mlp)\.(\w+)\.lora_([AB])\.weight$)");
    static const std::regex copy_key(R"(^base_model\.model\.(?:[\w.]+\.)?(embed_tokens|lm_head)\.weight$)");
    for (const tensor_view& t : st.tensors) {
        std::smatch mt;
        auto expect_shape = [&](const std::vector<int64_t>& shape) {
            if (t.shape != shape)
                fail(file, "key " + t.name + " has shape " + shape_to_string(t.shape) + ", the model needs " +
                               shape_to_string(shape));
        };
        if (std::regex_match(t.name, mt, lora_key)) {
            const int layer = std::stoi(mt[1].str());
            lora_target target;
            if (!lora_target_from_name(mt[2].str(), &target)) fail(file, "key " + t.name + ": unsupported module");
            if (!has_target(a.config, target))
                fail(file, "key " + t.name + ": " + mt[2].str() + " is not in adapter_config.json's target_modules");
            if (layer >= c.n_layer)
                fail(file, "key " + t.name + ": layer " + std::to_string(layer) + " but the model has " +
                               std::to_string(c.n_layer));
            const tensor_view& w = layer_linear(m.layers[size_t(layer)], target).w;
            lora_matrices& lm = a.layers[size_t(layer)][size_t(target)];
            if (mt[3].str() == "A") {
                expect_shape({a.config.rank, w.cols()});
                lm.a = tensor_to_f32(t);
            } else {
                expect_shape({w.rows(), a.config.rank});
                lm.b = tensor_to_f32(t);
                lora_b_to_model_order(lm.b, a.config.rank, target, qk_row_order::hugging_face, m);
            }
        } else if (std::regex_match(t.name, mt, copy_key)) {
            const bool embeddings = mt[1].str() == "embed_tokens";
            if (!(embeddings ? a.config.train_embeddings : a.config.train_output))
                fail(file, "key " + t.name + ": " + mt[1].str() + " is not in adapter_config.json's modules_to_save");
            expect_shape({c.n_vocab, c.n_embd});
            (embeddings ? a.tok_embd : a.output) = tensor_to_f32(t);
        } else {
            fail(file, "key " + t.name + ": not a LoRA or modules_to_save tensor");
        }
    }
    for (int il = 0; il < c.n_layer; il++)
        for (lora_target t : a.config.targets) {
            const lora_matrices& lm = a.layers[size_t(il)][size_t(t)];
            if (lm.a.empty()) fail(file, "missing key " + peft_lora_key(il, t, 'A'));
            if (lm.b.empty()) fail(file, "missing key " + peft_lora_key(il, t, 'B'));
        }
    if (a.config.train_embeddings && a.tok_embd.empty()) fail(file, "missing key " + peft_copy_key(true));
    if (a.config.train_output && a.output.empty()) fail(file, "missing key " + peft_copy_key(false));
    return a;
}

void lora_adapter_save_peft(const lora_adapter& a, const model& m, const std::string& dir, dtype storage) {
    lora_adapter_check(a, m, dir);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) fail(dir, "cannot create directory: " + ec.message());

    std::vector<std::string> names;
    std::vector<std::vector<float>> data;  // B rows in Hugging Face order
    std::vector<std::vector<int64_t>> shapes;
    for (int il = 0; il < m.config.n_layer; il++)
        for (lora_target t : a.config.targets) {
            const lora_matrices& lm = a.layers[size_t(il)][size_t(t)];
            const tensor_view& w = layer_linear(m.layers[size_t(il)], t).w;
            if (lm.a.empty()) fail(dir, "adapter has no matrices for layer " + std::to_string(il) + " " + lora_target_name(t));
            names.push_back(peft_lora_key(il, t, 'A'));
            data.push_back(lm.a);
            shapes.push_back({a.config.rank, w.cols()});
            names.push_back(peft_lora_key(il, t, 'B'));
            data.push_back(lm.b);
            lora_b_from_model_order(data.back(), a.config.rank, t, qk_row_order::hugging_face, m);
            shapes.push_back({w.rows(), a.config.rank});
        }
    nlohmann::json modules = nullptr;
    for (bool embeddings : {true, false}) {
        const std::vector<float>& copy = embeddings ? a.tok_embd : a.output;
        if (copy.empty()) continue;
        names.push_back(peft_copy_key(embeddings));
        data.push_back(copy);
        shapes.push_back({m.config.n_vocab, m.config.n_embd});
        if (modules.is_null()) modules = nlohmann::json::array();
        modules.push_back(embeddings ? "embed_tokens" : "lm_head");
    }
    std::vector<std::vector<uint8_t>> stored;
    stored.reserve(names.size());
    std::vector<safetensors_writer_tensor> tensors;
    for (size_t i = 0; i < names.size(); i++) {
        stored.push_back(values_encode(data[i], storage));
        tensors.push_back({names[i], storage, shapes[i], stored.back().data(), stored.back().size()});
    }
    safetensors_write(dir + "/adapter_model.safetensors", tensors, {{"format", "pt"}});

    nlohmann::json targets = nlohmann::json::array();
    for (lora_target t : a.config.targets) targets.push_back(lora_target_name(t));
    const nlohmann::ordered_json config = {
        {"alpha_pattern", nlohmann::json::object()},
        {"base_model_name_or_path", m.path},
        {"bias", "none"},
        {"fan_in_fan_out", false},
        {"inference_mode", true},
        {"init_lora_weights", true},
        {"layers_pattern", nullptr},
        {"layers_to_transform", nullptr},
        {"lora_alpha", a.config.alpha},
        {"lora_dropout", a.config.dropout},
        {"modules_to_save", modules},
        {"peft_type", "LORA"},
        {"r", a.config.rank},
        {"rank_pattern", nlohmann::json::object()},
        {"revision", nullptr},
        {"target_modules", targets},
        {"task_type", "CAUSAL_LM"},
        {"use_dora", false},
        {"use_rslora", a.config.rslora},
    };
    const std::string text = config.dump(2) + "\n";
    const std::string path = dir + "/adapter_config.json";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) fail(path, "cannot create");
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) fail(path, "write failed");
}

}  // namespace clinote
