// Internal to the adapter files: names of adapted layers in each format, the row order of
// q and k (see lora_adapter.h), and F32 copies of stored tensors.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/lora_adapter.h"

namespace clinote {

// llama.cpp's tensor name of a target: "attn_q", ..., "ffn_down".
const char* lora_target_gguf_name(lora_target t);
// "q_proj" -> lora_target::q; false for any other name.
bool lora_target_from_name(const std::string& name, lora_target* out);
// "self_attn" for q, k, v, o; "mlp" for gate, up, down (the Hugging Face module path).
const char* lora_target_hf_parent(lora_target t);

// True when the model holds q and k rows in llama.cpp's permuted order (a Llama GGUF).
bool model_qk_rows_permuted(const model& m);

// Which order a file's B rows are in, and conversion of a B {n_out, rank} of target t
// between that order and the model's. Only q and k of Llama-family models differ.
enum class qk_row_order { hugging_face, llama_cpp };
void lora_b_to_model_order(std::vector<float>& b, int64_t rank, lora_target t, qk_row_order file_order,
                           const model& m);
void lora_b_from_model_order(std::vector<float>& b, int64_t rank, lora_target t, qk_row_order file_order,
                             const model& m);
// The row order llama.cpp's converter writes for this model's architecture.
qk_row_order gguf_qk_row_order(const model& m);

// The tensor's values as F32 (any stored type).
std::vector<float> tensor_to_f32(const tensor_view& t);
// F32 values as the bytes of a stored tensor of type `storage` (F32, F16 or BF16).
std::vector<uint8_t> values_encode(const std::vector<float>& v, dtype storage);

}  // namespace clinote
