// One parameterised decoder-only transformer for the Llama (Llama 3.x, TinyLlama, SmolLM2),
// Qwen2 (Qwen2.5) and Gemma 3 (MedGemma) families, loaded from GGUF or a Hugging Face
// directory. The differences between the families are fields of model_config, not code paths.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/gguf.h"
#include "io/safetensors.h"
#include "ops/activation.h"
#include "ops/linear.h"
#include "ops/rope.h"
#include "tokenizer/tokenizer.h"

namespace clinote {

enum class model_arch { llama, qwen2, gemma3 };

struct model_config {
    model_arch arch = model_arch::llama;
    std::string arch_name;
    int n_vocab = 0;
    int n_embd = 0;
    int n_layer = 0;
    int n_head = 0;
    int n_head_kv = 0;
    int head_dim = 0;
    int n_ff = 0;
    int n_ctx_train = 0;
    float rms_eps = 1e-5f;
    float norm_weight_offset = 0.0f;  // 1: stored norm weights are w - 1 (Gemma in HF files)
    float embed_scale = 1.0f;         // Gemma multiplies embeddings by sqrt(n_embd)
    activation act = activation::silu;
    bool qk_norm = false;             // Gemma 3: RMSNorm on each head of q and k
    bool post_norms = false;          // Gemma 3: norms after attention and after the MLP
    float attn_scale = 1.0f;
    float final_logit_softcap = 0.0f; // 0: none
    int sliding_window = 0;
    std::vector<bool> layer_is_sliding;  // per layer: local attention with its own RoPE base
    rope_layout rope = rope_layout::halves;
    std::vector<float> inv_freq_global;  // RoPE frequencies, scaling applied
    std::vector<float> inv_freq_local;   // for sliding-window layers (Gemma 3)
};

// A linear layer's weight in its stored type, and its bias in F32 (empty if none).
struct linear_weight {
    tensor_view w;
    std::vector<float> bias;
};

struct layer_weights {
    std::vector<float> attn_norm, ffn_norm;
    std::vector<float> q_norm, k_norm, post_attn_norm, post_ffn_norm;  // Gemma 3 only
    linear_weight wq, wk, wv, wo, w_gate, w_up, w_down;
};

struct model {
    std::string path;
    model_config config;
    tokenizer tok;
    bool has_tokenizer = false;
    tensor_view tok_embd;
    tensor_view output;  // the embedding table itself when the head is tied
    std::vector<float> output_norm;
    std::vector<layer_weights> layers;
    // How model_forward multiplies quantised weights: int8 (llama.cpp's way, fast) unless
    // set to f32, the exact reference the transformers-parity tests select (`--matmul float`).
    matmul_mode matmul = matmul_mode::int8;
    // Where tensor_views point: the mapped file(s) the weights were read from.
    std::unique_ptr<gguf_file> gguf;
    std::unique_ptr<safetensors_set> safetensors;
    // Weights made in memory after loading (model_quantize_nf4); views may point here.
    std::vector<std::vector<uint8_t>> owned;
};

// `path` is a .gguf file or a Hugging Face model directory (config.json, *.safetensors,
// tokenizer.json). Throws clinote::error naming the file and the problem.
std::unique_ptr<model> model_load(const std::string& path, bool load_tokenizer = true);

// Parses a Hugging Face config.json (the Transformers 4 and 5 spellings of RoPE settings).
model_config model_config_from_hf(const std::string& config_json_text, const std::string& where);

const char* model_arch_name(model_arch a);

// Tensor names of layer i's weights in a GGUF file (llama.cpp's names; the linear ones
// without their ".weight" / ".bias" suffix).
struct layer_names {
    std::string attn_norm, ffn_norm, q, k, v, o, gate, up, down, q_norm, k_norm, post_attn_norm, post_ffn_norm;
};
layer_names gguf_layer_names(int i);

}  // namespace clinote
