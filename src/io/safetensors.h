// safetensors reading (memory-mapped) and writing, single file or sharded with
// model.safetensors.index.json. Spec: https://github.com/huggingface/safetensors
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/tensor.h"

namespace clinote {

struct safetensors_file {
    mapped_file file;
    std::map<std::string, std::string> metadata;  // the optional "__metadata__" strings
    std::vector<tensor_view> tensors;             // F32, F16, BF16 (others are rejected)
    const tensor_view* find_tensor(const std::string& name) const;
};

// Throws clinote::error naming the file and the problem (bad header length, JSON,
// dtype, offsets out of bounds or overlapping, size/shape disagreement).
safetensors_file safetensors_open(const std::string& path);

// A model directory's weights: model.safetensors, or the shards named by
// model.safetensors.index.json. Tensor names are unique across shards.
struct safetensors_set {
    std::vector<std::unique_ptr<safetensors_file>> shards;
    std::map<std::string, const tensor_view*> by_name;
    const tensor_view* find_tensor(const std::string& name) const;
};
safetensors_set safetensors_open_dir(const std::string& dir);

struct safetensors_writer_tensor {
    std::string name;
    dtype type;  // F32, F16 or BF16
    std::vector<int64_t> shape;
    const void* data;
    size_t nbytes;
};
void safetensors_write(const std::string& path, const std::vector<safetensors_writer_tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace clinote
