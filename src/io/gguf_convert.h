// Re-quantising a GGUF model, as llama.cpp's converters do: 2-D weight matrices take the
// target type, 1-D tensors (norms, biases) stay F32, metadata is copied.
#pragma once
#include <functional>
#include <string>

#include "core/tensor.h"

namespace clinote {

// llama.cpp's general.file_type (enum llama_ftype) for a file mostly of type t.
uint32_t gguf_file_type_of(dtype t);

// The type a tensor gets when converting to `target`. A matrix whose rows are not a whole
// number of target blocks falls back to F16, as convert_hf_to_gguf.py does.
dtype gguf_convert_type(const tensor_view& t, dtype target);

// Converts in_path to out_path with matrices in `target` (F32, F16, BF16, Q8_0, Q4_0 or
// Q4_1). `on_tensor` is called after each tensor with its index (for a progress bar).
void gguf_convert(const std::string& in_path, const std::string& out_path, dtype target,
                  const std::function<void(size_t done, size_t total)>& on_tensor = {});

}  // namespace clinote
