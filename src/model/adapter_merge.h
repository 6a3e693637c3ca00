// Merging an adapter into its base model: W' = W + scale·B·A for each adapted linear layer,
// and the adapter's embedding / head copies (modules_to_save) in place of the model's.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/lora_adapter.h"

namespace clinote {

// The merged weight of one layer's target, {n_out, n_in} in F32 (the base weight
// dequantised when the target is not adapted).
std::vector<float> lora_merged_weight(const model& m, const lora_adapter& a, int layer, lora_target t);

// Tensors that replace a base model's, by stored name, in F32.
struct merged_tensors {
    std::map<std::string, std::vector<float>> by_name;
    std::string added_head;  // name of a head tensor to add (the base ties it to the embeddings)
    std::vector<float> head;
};

// Writes the base GGUF with `merged` in place of its tensors of those names: metadata and
// tokenizer copied, matrices in `type` (F32, F16, BF16, Q8_0, Q4_0, Q4_1; F16 where a row
// is not whole blocks), 1-D tensors F32, as `clinote convert` does. The base must have been
// loaded from GGUF. Also the writer of full fine-tunes (train/full_params.h).
void merged_write_gguf(const model& m, const merged_tensors& merged, const std::string& path, dtype type,
                       const std::function<void(size_t done, size_t total)>& on_tensor = {});

// Writes the merged model as GGUF: the base GGUF's metadata and tokenizer copied, matrices
// in `type` (F32, F16, BF16, Q8_0, Q4_0, Q4_1; F16 where a row is not whole blocks), 1-D
// tensors F32, as `clinote convert` does. The base must have been loaded from GGUF.
void lora_merge_write_gguf(const model& m, const lora_adapter& a, const std::string& path, dtype type,
                           const std::function<void(size_t done, size_t total)>& on_tensor = {});

// Writes the merged model as a Hugging Face directory: model.safetensors (every tensor in
// `type`: F32, F16 or BF16) and the base directory's other files (config.json, tokenizer,
// ...). The base must have been loaded from a Hugging Face directory.
void lora_merge_write_hf(const model& m, const lora_adapter& a, const std::string& dir, dtype type);

}  // namespace clinote
