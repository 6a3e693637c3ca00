// GGUF LoRA adapters as llama.cpp writes (convert_lora_to_gguf.py) and reads (--lora):
// general.type = "adapter", adapter.type = "lora", adapter.lora.alpha, and for each adapted
// matrix blk.N.attn_q.weight.lora_a {rank, n_in} and .lora_b {n_out, rank} (PyTorch order;
// GGUF's ne[] reversed), B of Llama q/k rows in llama.cpp's permuted order.
#include <regex>

#include "core/error.h"
#include "io/gguf.h"
#include "model/adapter_layout.h"
#include "model/adapter_read.h"
#include "quant/quant.h"

namespace clinote {

namespace {

std::string gguf_lora_name(int layer, lora_target t, char ab) {
    return "blk." + std::to_string(layer) + "." + lora_target_gguf_name(t) + ".weight.lora_" + ab;
}

bool target_from_gguf_name(const std::string& name, lora_target* out) {
    for (int i = 0; i < lora_target_count; i++)
        if (name == lora_target_gguf_name(lora_target(i))) {
            *out = lora_target(i);
            return true;
        }
    return false;
}

}  // namespace

lora_adapter lora_adapter_read_gguf(const std::string& path, const model& m) {
    const gguf_file g = gguf_open(path);
    const std::string type = g.get_string("general.type").value_or("model");
    if (type != "adapter") fail(path, "general.type is \"" + type + "\", not \"adapter\": not a LoRA adapter");
    const std::string adapter_type = g.get_string("adapter.type").value_or("");
    if (adapter_type != "lora") fail(path, "adapter.type is \"" + adapter_type + "\", not \"lora\"");
    const std::string arch = g.get_string("general.architecture").value_or("");
    if (arch != m.config.arch_name)
        fail(path, "general.architecture: adapter for \"" + arch + "\", the model is \"" + m.config.arch_name + "\"");
    const std::optional<double> alpha = g.get_float("adapter.lora.alpha");
    if (!alpha) fail(path, "missing adapter.lora.alpha");
    if (!(*alpha > 0 && *alpha <= 1e4)) fail(path, "adapter.lora.alpha must be above 0 and at most 10000");

    lora_adapter a;
    a.config.alpha = float(*alpha);
    a.config.dropout = 0.0f;
    a.config.rank = 0;
    a.config.targets.clear();
    a.layers.resize(size_t(m.config.n_layer));
    static const std::regex key(R"(^blk\.(\d+)\.(\w+)\.weight\.lora_([ab])$)");
    bool present[lora_target_count] = {};
    for (const tensor_view& t : g.tensors) {
        std::smatch mt;
        lora_target target;
        if (!std::regex_match(t.name, mt, key) || !target_from_gguf_name(mt[2].str(), &target))
            fail(path, "tensor " + t.name + ": not a LoRA matrix of an adapted linear layer");
        const int layer = std::stoi(mt[1].str());
        if (layer >= m.config.n_layer)
            fail(path, "tensor " + t.name + ": layer " + std::to_string(layer) + " but the model has " +
                           std::to_string(m.config.n_layer));
        const bool is_a = mt[3].str() == "a";
        if (t.shape.size() != 2) fail(path, "tensor " + t.name + " is not 2-D");
        const int64_t rank = is_a ? t.shape[0] : t.shape[1];
        if (a.config.rank == 0) a.config.rank = int(rank);
        if (rank != a.config.rank)
            fail(path, "tensor " + t.name + " has rank " + std::to_string(rank) + ", other tensors " +
                           std::to_string(a.config.rank));
        const tensor_view& w = layer_linear(m.layers[size_t(layer)], target).w;
        const std::vector<int64_t> want = is_a ? std::vector<int64_t>{rank, w.cols()} : std::vector<int64_t>{w.rows(), rank};
        if (t.shape != want)
            fail(path, "tensor " + t.name + " has shape " + shape_to_string(t.shape) + ", the model needs " +
                           shape_to_string(want));
        lora_matrices& lm = a.layers[size_t(layer)][size_t(target)];
        (is_a ? lm.a : lm.b) = tensor_to_f32(t);
        if (!is_a) lora_b_to_model_order(lm.b, rank, target, gguf_qk_row_order(m), m);
        present[int(target)] = true;
    }
    if (a.config.rank == 0) fail(path, "no LoRA tensors");
    for (int t = 0; t < lora_target_count; t++) {
        if (!present[t]) continue;
        a.config.targets.push_back(lora_target(t));
        for (int il = 0; il < m.config.n_layer; il++) {
            const lora_matrices& lm = a.layers[size_t(il)][size_t(t)];
            if (lm.a.empty()) fail(path, "missing tensor " + gguf_lora_name(il, lora_target(t), 'a'));
            if (lm.b.empty()) fail(path, "missing tensor " + gguf_lora_name(il, lora_target(t), 'b'));
        }
    }
    return a;
}

void lora_adapter_save_gguf(const lora_adapter& a, const model& m, const std::string& path, dtype storage) {
    lora_adapter_check(a, m, path);
    if (!a.tok_embd.empty() || !a.output.empty())
        fail(path, "GGUF LoRA adapters cannot hold the trained embed_tokens / lm_head (modules_to_save): "
                   "save as PEFT, or merge the adapter into the model");
    std::map<std::string, gguf_value> meta;
    meta["general.architecture"] = gguf_string(m.config.arch_name);
    meta["general.type"] = gguf_string("adapter");
    // llama.cpp's file types: 0 all F32, 1 mostly F16, 32 mostly BF16.
    if (storage != dtype::f32 && storage != dtype::f16 && storage != dtype::bf16)
        fail(path, std::string("adapters are stored as F32, F16 or BF16, not ") + dtype_name(storage));
    meta["general.file_type"] = gguf_u32(storage == dtype::f32 ? 0 : storage == dtype::f16 ? 1 : 32);
    meta["adapter.type"] = gguf_string("lora");
    meta["adapter.lora.alpha"] = gguf_f32(lora_scale(a.config) * float(a.config.rank));

    std::vector<std::vector<uint8_t>> stored;  // A, and B in llama.cpp's row order, kept alive for the writer
    std::vector<gguf_writer_tensor> tensors;
    stored.reserve(2 * size_t(m.config.n_layer) * a.config.targets.size());
    for (int il = 0; il < m.config.n_layer; il++)
        for (lora_target t : a.config.targets) {
            const lora_matrices& lm = a.layers[size_t(il)][size_t(t)];
            if (lm.a.empty()) fail(path, "adapter has no matrices for layer " + std::to_string(il) + " " + lora_target_name(t));
            const tensor_view& w = layer_linear(m.layers[size_t(il)], t).w;
            std::vector<float> b = lm.b;
            lora_b_from_model_order(b, a.config.rank, t, gguf_qk_row_order(m), m);
            stored.push_back(values_encode(lm.a, storage));
            tensors.push_back({gguf_lora_name(il, t, 'a'), storage, {a.config.rank, w.cols()}, stored.back().data(),
                               stored.back().size()});
            stored.push_back(values_encode(b, storage));
            tensors.push_back({gguf_lora_name(il, t, 'b'), storage, {w.rows(), a.config.rank}, stored.back().data(),
                               stored.back().size()});
        }
    gguf_write(path, meta, tensors);
}

}  // namespace clinote
