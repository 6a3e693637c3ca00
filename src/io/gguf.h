// GGUF v2/v3 reading (memory-mapped, every metadata type) and writing.
// Spec: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/tensor.h"

namespace clinote {

enum class gguf_type : uint32_t {
    uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6,
    boolean = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12,
};

// One metadata value. Scalars keep their exact GGUF type so a file can be rewritten as read.
struct gguf_value {
    gguf_type type = gguf_type::uint32;
    gguf_type array_type = gguf_type::uint32;  // element type when type == array
    int64_t i = 0;       // every integer type (uint64 values above INT64_MAX wrap; none occur in practice)
    double f = 0;        // float32 / float64
    bool b = false;
    std::string s;
    std::vector<gguf_value> array;
};

struct gguf_file {
    mapped_file file;
    uint32_t version = 0;
    uint32_t alignment = 32;
    std::map<std::string, gguf_value> metadata;
    std::vector<tensor_view> tensors;  // data points into `file`

    const tensor_view* find_tensor(const std::string& name) const;
    const gguf_value* find(const std::string& key) const;
    // Typed look-ups; a present key of the wrong type throws clinote::error naming file and key.
    std::optional<int64_t> get_int(const std::string& key) const;
    std::optional<double> get_float(const std::string& key) const;
    std::optional<bool> get_bool(const std::string& key) const;
    std::optional<std::string> get_string(const std::string& key) const;
    std::vector<std::string> get_string_array(const std::string& key) const;  // empty if absent
    std::vector<double> get_float_array(const std::string& key) const;
    std::vector<int64_t> get_int_array(const std::string& key) const;
};

// Throws clinote::error("<path>: <problem>") on anything malformed: bad magic, unsupported
// version, truncated header, unknown tensor type, tensor data out of the file's bounds,
// a tensor whose byte size disagrees with its shape.
gguf_file gguf_open(const std::string& path);

// What gguf_write takes: metadata plus tensors whose data the caller owns.
struct gguf_writer_tensor {
    std::string name;
    dtype type;
    std::vector<int64_t> shape;  // PyTorch order, as tensor_view
    const void* data;
    size_t nbytes;
};
void gguf_write(const std::string& path, const std::map<std::string, gguf_value>& metadata,
                const std::vector<gguf_writer_tensor>& tensors, uint32_t alignment = 32);

// "UINT32", "STRING", "ARRAY", ... as the GGUF spec names the types.
const char* gguf_type_name(gguf_type t);
// A metadata value on one line: strings quoted and escaped, arrays as
// `[STRING x 512] "<unk>", "<s>", ...` showing at most max_items elements.
std::string gguf_value_to_string(const gguf_value& v, size_t max_items = 6);

// Small constructors for metadata values.
gguf_value gguf_string(std::string s);
gguf_value gguf_u32(uint32_t v);
gguf_value gguf_i32(int32_t v);
gguf_value gguf_f32(float v);
gguf_value gguf_bool(bool v);
gguf_value gguf_string_array(const std::vector<std::string>& v);

}  // namespace clinote
