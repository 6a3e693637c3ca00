#include "model/lora_adapter.h"

#include <sys/stat.h>

#include <cmath>

#include "core/error.h"
#include "model/adapter_layout.h"
#include "model/adapter_read.h"

namespace clinote {

const char* lora_target_name(lora_target t) {
    switch (t) {
        case lora_target::q: return "q_proj";
        case lora_target::k: return "k_proj";
        case lora_target::v: return "v_proj";
        case lora_target::o: return "o_proj";
        case lora_target::gate: return "gate_proj";
        case lora_target::up: return "up_proj";
        case lora_target::down: return "down_proj";
    }
    return "?";
}

const linear_weight& layer_linear(const layer_weights& l, lora_target t) {
    switch (t) {
        case lora_target::q: return l.wq;
        case lora_target::k: return l.wk;
        case lora_target::v: return l.wv;
        case lora_target::o: return l.wo;
        case lora_target::gate: return l.w_gate;
        case lora_target::up: return l.w_up;
        case lora_target::down: return l.w_down;
    }
    return l.wq;
}

float lora_scale(const lora_config& c) {
    return c.rslora ? c.alpha / std::sqrt(float(c.rank)) : c.alpha / float(c.rank);
}

static void check_size(const std::vector<float>& v, int64_t rows, int64_t cols, const std::string& what,
                       const std::string& where) {
    if (int64_t(v.size()) != rows * cols)
        fail(where, what + " has " + std::to_string(v.size()) + " values, the model needs " +
                        shape_to_string({rows, cols}));
}

void lora_adapter_check(const lora_adapter& a, const model& m, const std::string& where) {
    const model_config& c = m.config;
    if (a.config.rank <= 0) fail(where, "rank must be positive, not " + std::to_string(a.config.rank));
    if (int(a.layers.size()) != c.n_layer)
        fail(where, "adapter has " + std::to_string(a.layers.size()) + " layers, the model has " +
                        std::to_string(c.n_layer));
    for (int il = 0; il < c.n_layer; il++) {
        for (int t = 0; t < lora_target_count; t++) {
            const lora_matrices& lm = a.layers[size_t(il)][size_t(t)];
            if (lm.a.empty() && lm.b.empty()) continue;
            const tensor_view& w = layer_linear(m.layers[size_t(il)], lora_target(t)).w;
            const std::string name = "layer " + std::to_string(il) + " " + lora_target_name(lora_target(t));
            check_size(lm.a, a.config.rank, w.cols(), name + " lora_A", where);
            check_size(lm.b, w.rows(), a.config.rank, name + " lora_B", where);
        }
    }
    if (!a.tok_embd.empty()) check_size(a.tok_embd, c.n_vocab, c.n_embd, "embed_tokens", where);
    if (!a.output.empty()) check_size(a.output, c.n_vocab, c.n_embd, "lm_head", where);
}

lora_adapter lora_adapter_load(const std::string& path, const model& m) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) fail(path, "no such file or directory");
    lora_adapter a = S_ISDIR(st.st_mode) ? lora_adapter_read_peft(path, m) : lora_adapter_read_gguf(path, m);
    lora_adapter_check(a, m, path);
    return a;
}

}  // namespace clinote
