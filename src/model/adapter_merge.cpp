#include "model/adapter_merge.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "io/gguf.h"
#include "io/gguf_convert.h"
#include "io/safetensors.h"
#include "model/adapter_layout.h"
#include "ops/gemm.h"
#include "quant/quant.h"

namespace clinote {

std::vector<float> lora_merged_weight(const model& m, const lora_adapter& a, int layer, lora_target t) {
    const tensor_view& w = layer_linear(m.layers[size_t(layer)], t).w;
    std::vector<float> out = tensor_to_f32(w);
    const lora_matrices& lm = a.layers[size_t(layer)][size_t(t)];
    if (lm.a.empty()) return out;
    const int64_t n_out = w.rows(), n_in = w.cols(), r = a.config.rank;
    gemm_f32(false, false, n_out, n_in, r, lora_scale(a.config), lm.b.data(), r, lm.a.data(), n_in, 1.0f, out.data(),
             n_in);
    return out;
}

namespace {

merged_tensors merge(const model& m, const lora_adapter& a, const std::string& where, const std::string& head_name) {
    lora_adapter_check(a, m, where);
    merged_tensors out;
    for (int il = 0; il < m.config.n_layer; il++)
        for (int t = 0; t < lora_target_count; t++)
            if (!a.layers[size_t(il)][size_t(t)].a.empty())
                out.by_name[layer_linear(m.layers[size_t(il)], lora_target(t)).w.name] =
                    lora_merged_weight(m, a, il, lora_target(t));
    const bool tied = m.output.name == m.tok_embd.name;
    if (!a.tok_embd.empty()) out.by_name[m.tok_embd.name] = a.tok_embd;
    if (!tied && !a.output.empty()) out.by_name[m.output.name] = a.output;
    // A tied head stays the base table unless the adapter trains it: once the embeddings
    // change, the head must become a tensor of its own.
    if (tied && (!a.output.empty() || !a.tok_embd.empty())) {
        out.added_head = head_name;
        out.head = !a.output.empty() ? a.output : tensor_to_f32(m.output);
    }
    return out;
}

// The tensors a merged model is written from: the base's, and the head of its own a tied
// model gets when the adapter changes its embeddings (merged.added_head).
std::vector<tensor_view> merged_sources(std::vector<tensor_view> base, const model& m, const merged_tensors& merged) {
    if (!merged.added_head.empty()) {
        tensor_view head = m.tok_embd;
        head.name = merged.added_head;
        base.push_back(head);
    }
    return base;
}

// A source tensor's values in the merged model, stored as `type`.
std::vector<uint8_t> merged_encode(const merged_tensors& merged, const tensor_view& t, dtype type) {
    const auto it = merged.by_name.find(t.name);
    const std::vector<float> values = t.name == merged.added_head ? merged.head
                                      : it != merged.by_name.end() ? it->second
                                                                   : tensor_to_f32(t);
    const int64_t rows = t.rows(), cols = t.cols();
    const size_t row_bytes = dtype_row_bytes(type, cols);
    std::vector<uint8_t> buf(row_bytes * size_t(rows));
    for (int64_t r = 0; r < rows; r++) quantize_row(type, &values[size_t(r * cols)], buf.data() + size_t(r) * row_bytes, cols);
    return buf;
}

}  // namespace

void lora_merge_write_gguf(const model& m, const lora_adapter& a, const std::string& path, dtype type,
                           const std::function<void(size_t, size_t)>& on_tensor) {
    merged_write_gguf(m, merge(m, a, path, "output.weight"), path, type, on_tensor);
}

void merged_write_gguf(const model& m, const merged_tensors& merged, const std::string& path, dtype type,
                       const std::function<void(size_t, size_t)>& on_tensor) {
    if (!m.gguf) fail(m.path, "merging to GGUF needs a GGUF base model (this one is a Hugging Face directory: use --format hf)");
    if (type != dtype::f32 && type != dtype::f16 && type != dtype::bf16 && type != dtype::q8_0 &&
        type != dtype::q4_0 && type != dtype::q4_1)
        fail(path, std::string("merged models are written as F32, F16, BF16, Q8_0, Q4_0 or Q4_1, not ") + dtype_name(type));
    const gguf_file& in = *m.gguf;

    std::map<std::string, gguf_value> metadata = in.metadata;
    metadata["general.file_type"] = gguf_u32(gguf_file_type_of(type));
    if (dtype_block_size(type) > 1) metadata["general.quantization_version"] = gguf_u32(2);  // GGML_QNT_VERSION
    else metadata.erase("general.quantization_version");

    const std::vector<tensor_view> sources = merged_sources(in.tensors, m, merged);
    std::vector<std::vector<uint8_t>> buffers(sources.size());
    std::vector<gguf_writer_tensor> out;
    for (size_t i = 0; i < sources.size(); i++) {
        const tensor_view& t = sources[i];
        const dtype out_type = gguf_convert_type(t, type);
        buffers[i] = merged_encode(merged, t, out_type);
        out.push_back({t.name, out_type, t.shape, buffers[i].data(), buffers[i].size()});
        if (on_tensor) on_tensor(i + 1, sources.size());
    }
    gguf_write(path, metadata, out, in.alignment);
}

void lora_merge_write_hf(const model& m, const lora_adapter& a, const std::string& dir, dtype type) {
    if (!m.safetensors)
        fail(m.path, "merging to a Hugging Face directory needs a Hugging Face base model (this one is GGUF: use --format gguf)");
    if (type != dtype::f32 && type != dtype::f16 && type != dtype::bf16)
        fail(dir, std::string("safetensors models are written as F32, F16 or BF16, not ") + dtype_name(type));
    namespace fs = std::filesystem;
    const merged_tensors merged = merge(m, a, dir, "lm_head.weight");
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail(dir, "cannot create directory: " + ec.message());

    std::vector<tensor_view> base;
    for (const auto& shard : m.safetensors->shards)
        for (const tensor_view& t : shard->tensors) base.push_back(t);
    const std::vector<tensor_view> sources = merged_sources(std::move(base), m, merged);
    std::vector<std::vector<uint8_t>> buffers(sources.size());
    std::vector<safetensors_writer_tensor> out;
    for (size_t i = 0; i < sources.size(); i++) {
        const tensor_view& t = sources[i];
        buffers[i] = merged_encode(merged, t, type);
        out.push_back({t.name, type, t.shape, buffers[i].data(), buffers[i].size()});
    }
    safetensors_write(dir + "/model.safetensors", out, {{"format", "pt"}});

    for (const auto& entry : fs::directory_iterator(m.path)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_regular_file() || entry.path().extension() == ".safetensors" ||
            name == "model.safetensors.index.json")
            continue;
        if (name == "config.json") {
            nlohmann::json config = nlohmann::json::parse(file_read(entry.path().string()));
            const char* dtype_key = "torch_dtype";
            const std::string torch_name = type == dtype::f32 ? "float32" : type == dtype::f16 ? "float16" : "bfloat16";
            for (nlohmann::json* c : {&config, config.contains("text_config") ? &config["text_config"] : nullptr}) {
                if (!c) continue;
                if (!merged.added_head.empty()) (*c)["tie_word_embeddings"] = false;
                if (c->contains("dtype")) (*c)["dtype"] = torch_name;
                if (c->contains(dtype_key)) (*c)[dtype_key] = torch_name;
            }
            std::ofstream(dir + "/config.json") << config.dump(2) << "\n";
        } else {
            fs::copy_file(entry.path(), fs::path(dir) / name, fs::copy_options::overwrite_existing, ec);
            if (ec) fail(dir + "/" + name, "cannot copy: " + ec.message());
        }
    }
}

}  // namespace clinote
