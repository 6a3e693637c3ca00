// Loading weights from GGUF (llama.cpp's tensor names) or a Hugging Face directory
// (transformers' names) into one model struct. Matrices stay in the mapped file in their
// stored type; norms and biases are converted to F32 copies (they are tiny).
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/file.h"
#include "model/model.h"
#include "model/model_config_read.h"
#include "quant/quant.h"
#include "tokenizer/chat_template.h"

namespace clinote {

namespace {

void check_shape(const tensor_view& t, const std::vector<int64_t>& expected, const std::string& where) {
    if (t.shape != expected)
        fail(where, "tensor " + t.name + " has shape " + shape_to_string(t.shape) + ", expected " + shape_to_string(expected));
}

std::vector<float> to_f32(const tensor_view& t) {
    std::vector<float> out(size_t(t.numel()));
    dequantize_row(t.type, t.data, out.data(), t.numel());
    return out;
}

// Finds tensors by name in whichever container the model came from.
struct tensor_source {
    const gguf_file* gguf = nullptr;
    const safetensors_set* st = nullptr;
    std::string where;

    const tensor_view* find(const std::string& name) const {
        return gguf ? gguf->find_tensor(name) : st->find_tensor(name);
    }
    const tensor_view& need(const std::string& name) const {
        const tensor_view* t = find(name);
        if (!t) fail(where, "missing tensor " + name);
        return *t;
    }
};

layer_names hf_layer_names(const std::string& prefix, int i, bool gemma) {
    const std::string b = prefix + "layers." + std::to_string(i) + ".";
    // Gemma 3 has four norms per layer; the Llama-style "post_attention_layernorm" is the
    // pre-MLP norm in Llama and Qwen2.
    return {b + "input_layernorm.weight",
            gemma ? b + "pre_feedforward_layernorm.weight" : b + "post_attention_layernorm.weight",
            b + "self_attn.q_proj", b + "self_attn.k_proj", b + "self_attn.v_proj", b + "self_attn.o_proj",
            b + "mlp.gate_proj",    b + "mlp.up_proj",      b + "mlp.down_proj",
            b + "self_attn.q_norm.weight", b + "self_attn.k_norm.weight",
            b + "post_attention_layernorm.weight", b + "post_feedforward_layernorm.weight"};
}

linear_weight load_linear(const tensor_source& src, const std::string& base, int64_t n_out, int64_t n_in,
                          bool with_bias) {
    linear_weight l;
    l.w = src.need(base + ".weight");
    check_shape(l.w, {n_out, n_in}, src.where);
    if (with_bias) {
        const tensor_view& b = src.need(base + ".bias");
        check_shape(b, {n_out}, src.where);
        l.bias = to_f32(b);
    }
    return l;
}

std::vector<float> load_norm(const tensor_source& src, const std::string& name, int64_t dim) {
    const tensor_view& t = src.need(name);
    check_shape(t, {dim}, src.where);
    return to_f32(t);
}

void load_layers(model& m, const tensor_source& src, const std::vector<layer_names>& names) {
    const model_config& c = m.config;
    const int64_t q_dim = int64_t(c.n_head) * c.head_dim, kv_dim = int64_t(c.n_head_kv) * c.head_dim;
    const bool bias = c.arch == model_arch::qwen2;
    for (int i = 0; i < c.n_layer; i++) {
        const layer_names& n = names[size_t(i)];
        layer_weights l;
        l.attn_norm = load_norm(src, n.attn_norm, c.n_embd);
        l.ffn_norm = load_norm(src, n.ffn_norm, c.n_embd);
        l.wq = load_linear(src, n.q, q_dim, c.n_embd, bias);
        l.wk = load_linear(src, n.k, kv_dim, c.n_embd, bias);
        l.wv = load_linear(src, n.v, kv_dim, c.n_embd, bias);
        l.wo = load_linear(src, n.o, c.n_embd, q_dim, false);
        l.w_gate = load_linear(src, n.gate, c.n_ff, c.n_embd, false);
        l.w_up = load_linear(src, n.up, c.n_ff, c.n_embd, false);
        l.w_down = load_linear(src, n.down, c.n_embd, c.n_ff, false);
        if (c.qk_norm) {
            l.q_norm = load_norm(src, n.q_norm, c.head_dim);
            l.k_norm = load_norm(src, n.k_norm, c.head_dim);
        }
        if (c.post_norms) {
            l.post_attn_norm = load_norm(src, n.post_attn_norm, c.n_embd);
            l.post_ffn_norm = load_norm(src, n.post_ffn_norm, c.n_embd);
        }
        m.layers.push_back(std::move(l));
    }
}

void check_config(const model_config& c, const std::string& where) {
    if (c.n_embd <= 0 || c.n_layer <= 0 || c.n_head <= 0 || c.n_head_kv <= 0 || c.head_dim <= 0 || c.n_ff <= 0)
        fail(where, "model dimensions must be positive");
    if (c.n_head % c.n_head_kv != 0) fail(where, "attention heads are not a multiple of key/value heads");
    if (c.head_dim % 2 != 0) fail(where, "head dimension must be even for rotary embeddings");
}

void load_embeddings(model& m, const tensor_source& src, const std::string& embd, const std::string& out,
                     const std::string& norm) {
    m.tok_embd = src.need(embd);
    if (m.tok_embd.shape.size() != 2 || m.tok_embd.cols() != m.config.n_embd)
        fail(src.where, "tensor " + embd + " has shape " + shape_to_string(m.tok_embd.shape) + ", expected [n_vocab, " +
                            std::to_string(m.config.n_embd) + "]");
    if (m.config.n_vocab == 0) m.config.n_vocab = int(m.tok_embd.rows());
    check_shape(m.tok_embd, {m.config.n_vocab, m.config.n_embd}, src.where);
    const tensor_view* head = src.find(out);
    m.output = head ? *head : m.tok_embd;
    check_shape(m.output, {m.config.n_vocab, m.config.n_embd}, src.where);
    m.output_norm = load_norm(src, norm, m.config.n_embd);
}

std::unique_ptr<model> load_gguf(const std::string& path, bool load_tokenizer) {
    auto m = std::make_unique<model>();
    m->path = path;
    m->gguf = std::make_unique<gguf_file>(gguf_open(path));
    const gguf_file& g = *m->gguf;
    m->config = model_config_from_gguf(g);
    check_config(m->config, path);
    tensor_source src{&g, nullptr, path};
    if (const tensor_view* f = g.find_tensor("rope_freqs.weight")) {  // Llama 3 scaling factors
        check_shape(*f, {int64_t(m->config.head_dim / 2)}, path);
        const std::vector<float> div = to_f32(*f);
        for (size_t i = 0; i < div.size(); i++) m->config.inv_freq_global[i] /= div[i];
    }
    load_embeddings(*m, src, "token_embd.weight", "output.weight", "output_norm.weight");
    std::vector<layer_names> names;
    for (int i = 0; i < m->config.n_layer; i++) names.push_back(gguf_layer_names(i));
    load_layers(*m, src, names);
    if (load_tokenizer) {
        m->tok = tokenizer_from_gguf(g);
        m->has_tokenizer = true;
    }
    return m;
}

std::unique_ptr<model> load_hf_dir(const std::string& dir, bool load_tokenizer) {
    auto m = std::make_unique<model>();
    m->path = dir;
    const std::string config_path = dir + "/config.json";
    m->config = model_config_from_hf(file_read(config_path), config_path);
    check_config(m->config, config_path);
    m->safetensors = std::make_unique<safetensors_set>(safetensors_open_dir(dir));
    tensor_source src{nullptr, m->safetensors.get(), dir};
    // Text-only checkpoints use "model."; multimodal Gemma 3 nests the language model.
    std::string prefix;
    for (const char* p : {"model.", "model.language_model.", "language_model.model."})
        if (src.find(std::string(p) + "embed_tokens.weight")) { prefix = p; break; }
    if (prefix.empty()) fail(dir, "missing tensor model.embed_tokens.weight");
    std::string head = prefix == "language_model.model." ? "language_model.lm_head.weight" : "lm_head.weight";
    load_embeddings(*m, src, prefix + "embed_tokens.weight", head, prefix + "norm.weight");
    std::vector<layer_names> names;
    for (int i = 0; i < m->config.n_layer; i++)
        names.push_back(hf_layer_names(prefix, i, m->config.arch == model_arch::gemma3));
    load_layers(*m, src, names);
    if (load_tokenizer) {
        m->tok = tokenizer_from_hf_dir(dir);
        m->has_tokenizer = true;
    }
    return m;
}

}  // namespace

layer_names gguf_layer_names(int i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    return {b + "attn_norm.weight",   b + "ffn_norm.weight",      b + "attn_q",        b + "attn_k",
            b + "attn_v",             b + "attn_output",          b + "ffn_gate",      b + "ffn_up",
            b + "ffn_down",           b + "attn_q_norm.weight",   b + "attn_k_norm.weight",
            b + "post_attention_norm.weight", b + "post_ffw_norm.weight"};
}

std::unique_ptr<model> model_load(const std::string& path, bool load_tokenizer) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) fail(path, "no such file or directory");
    auto m = S_ISDIR(st.st_mode) ? load_hf_dir(path, load_tokenizer) : load_gguf(path, load_tokenizer);
    // Gemma 3 base models ship no chat template: they get the family's own.
    if (m->has_tokenizer && m->tok.chat_template.empty() && m->config.arch == model_arch::gemma3)
        m->tok.chat_template = chat_template_builtin("gemma3");
    return m;
}

}  // namespace clinote
