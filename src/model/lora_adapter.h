// A LoRA adapter of a model: for each layer and each adapted linear layer, the trainable
// A {rank, n_in} and B {n_out, rank} in F32, laid out as PEFT stores them
// (`...q_proj.lora_A.weight`, `...q_proj.lora_B.weight`), plus optional fully trained copies
// of the embedding table and output head (PEFT's `modules_to_save`).
// The adapter is kept apart from the model so one loaded base serves several adapters.
//
// Row order: A and B are in the row order of the loaded model's own weights, so that
// W + scale·B·A is the adapted weight as model_forward sees it. For a Llama model loaded
// from GGUF, llama.cpp's converter stores the rows of q and k permuted (rotated pairs
// adjacent); B of q and k is then permuted the same way. The file readers and writers
// convert between that order and each file format's own (PEFT: Hugging Face order;
// GGUF LoRA: llama.cpp's order), so files are always what the other tools expect.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/model.h"

namespace clinote {

enum class lora_target { q, k, v, o, gate, up, down };
constexpr int lora_target_count = 7;

// PEFT / Hugging Face module names: "q_proj", "k_proj", ..., "down_proj".
const char* lora_target_name(lora_target t);
// The model's linear layer that a target adapts.
const linear_weight& layer_linear(const layer_weights& l, lora_target t);

struct lora_config {
    int rank = 16;
    float alpha = 32.0f;
    float dropout = 0.05f;
    bool rslora = false;  // scale alpha / sqrt(rank) instead of alpha / rank
    std::vector<lora_target> targets = {lora_target::q,    lora_target::k,  lora_target::v,   lora_target::o,
                                        lora_target::gate, lora_target::up, lora_target::down};
    bool train_embeddings = false;  // modules_to_save: embed_tokens
    bool train_output = false;      // modules_to_save: lm_head
};

// One adapted linear layer; both empty when the layer is not adapted.
struct lora_matrices {
    std::vector<float> a;  // {rank, n_in}
    std::vector<float> b;  // {n_out, rank}
};

struct lora_adapter {
    lora_config config;
    std::vector<std::array<lora_matrices, lora_target_count>> layers;  // [n_layer][target]
    std::vector<float> tok_embd;  // {n_vocab, n_embd} when config.train_embeddings, else empty
    std::vector<float> output;    // {n_vocab, n_embd} when config.train_output, else empty
};

// alpha / rank, or alpha / sqrt(rank) with rsLoRA.
float lora_scale(const lora_config& c);

// Throws clinote::error("<where>: ...") unless every matrix and copy has the shape the
// model and config.rank need (layer count, {rank, n_in}, {n_out, rank}, {n_vocab, n_embd}).
void lora_adapter_check(const lora_adapter& a, const model& m, const std::string& where);

// `path` is a PEFT adapter directory (adapter_config.json + adapter_model.safetensors) or
// a llama.cpp GGUF LoRA file (general.type = adapter). Shapes are checked against m;
// errors name the file, the key and the problem.
lora_adapter lora_adapter_load(const std::string& path, const model& m);

// Writes dir/adapter_config.json and dir/adapter_model.safetensors as PEFT's
// save_pretrained does (PEFT key names; F32 tensors, or F16 / BF16 as `storage` asks, as
// PEFT saves an adapter trained in half precision), creating dir if needed.
void lora_adapter_save_peft(const lora_adapter& a, const model& m, const std::string& dir,
                            dtype storage = dtype::f32);

// Writes a GGUF LoRA adapter as llama.cpp's convert_lora_to_gguf.py does, for llama.cpp's
// --lora. llama.cpp scales by alpha / rank, so an rsLoRA adapter is written with the alpha
// that gives the same scale. GGUF LoRA has no full embedding / head copies: an adapter
// with modules_to_save is refused. Tensors F32, or F16 / BF16 as `storage` asks.
void lora_adapter_save_gguf(const lora_adapter& a, const model& m, const std::string& path,
                            dtype storage = dtype::f32);

// The adapter as one byte string (config, then every array in F32 in the loaded model's row
// order), for a store that keeps it as a blob: the vault's adapter versions. Reading checks
// the shapes against m; errors name `where`.
std::vector<unsigned char> lora_adapter_to_bytes(const lora_adapter& a);
lora_adapter lora_adapter_from_bytes(const std::vector<unsigned char>& bytes, const model& m, const std::string& where);

}  // namespace clinote
