// safetensors reader: an 8-byte header length, a JSON header, then the data buffer.
// Every field of the header is checked before a tensor_view points into the mapped file.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "io/safetensors.h"
#include "quant/quant.h"

namespace clinote {

namespace {

using nlohmann::json;

constexpr uint64_t max_header_bytes = 100'000'000;  // the Python package's limit

bool dtype_from_safetensors(const std::string& name, dtype* out) {
    if (name == "F32") *out = dtype::f32;
    else if (name == "F16") *out = dtype::f16;
    else if (name == "BF16") *out = dtype::bf16;
    else return false;
    return true;
}

uint64_t json_uint(const json& v, const std::string& path, const std::string& what) {
    if (!v.is_number_unsigned()) fail(path, what + " is not a non-negative integer");
    return v.get<uint64_t>();
}

struct tensor_entry {
    tensor_view view;
    uint64_t begin, end;
};

tensor_entry parse_tensor(const std::string& path, const std::string& name, const json& info, uint64_t buffer_size) {
    const std::string where = "tensor " + name;
    if (!info.is_object()) fail(path, where + ": entry is not an object");
    tensor_entry e;
    tensor_view& t = e.view;
    t.name = name;
    if (!info.contains("dtype") || !info["dtype"].is_string()) fail(path, where + ": missing dtype");
    const std::string type = info["dtype"].get<std::string>();
    if (!dtype_from_safetensors(type, &t.type)) fail(path, where + ": unsupported dtype " + type + " (F32, F16 and BF16 are read)");
    if (!info.contains("shape") || !info["shape"].is_array()) fail(path, where + ": missing shape");
    uint64_t numel = 1;
    for (const json& d : info["shape"]) {
        const uint64_t n = json_uint(d, path, where + ": a dimension");
        if (n != 0 && numel > buffer_size / n) fail(path, where + ": shape is larger than the file");
        numel *= n;
        t.shape.push_back(int64_t(n));
    }
    const json& offsets = info.contains("data_offsets") ? info["data_offsets"] : json();
    if (!offsets.is_array() || offsets.size() != 2) fail(path, where + ": data_offsets must be [begin, end]");
    e.begin = json_uint(offsets[0], path, where + ": data offset");
    e.end = json_uint(offsets[1], path, where + ": data offset");
    if (e.begin > e.end || e.end > buffer_size)
        fail(path, where + ": data offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                       "] are outside the data buffer of " + std::to_string(buffer_size) + " bytes");
    t.nbytes = size_t(numel) * dtype_block_bytes(t.type);
    if (e.end - e.begin != t.nbytes)
        fail(path, where + ": " + std::to_string(e.end - e.begin) + " bytes of data, its shape needs " + std::to_string(t.nbytes));
    return e;
}

}  // namespace

const tensor_view* safetensors_file::find_tensor(const std::string& name) const {
    for (const tensor_view& t : tensors)
        if (t.name == name) return &t;
    return nullptr;
}

safetensors_file safetensors_open(const std::string& path) {
    safetensors_file st;
    st.file = mapped_file(path);
    const size_t size = st.file.size;
    uint64_t header_len = 0;
    if (size < 8) fail(path, "too short for a safetensors file");
    std::memcpy(&header_len, st.file.data, 8);
    if (header_len > max_header_bytes) fail(path, "header length " + std::to_string(header_len) + " is implausibly large");
    if (header_len > size - 8) fail(path, "header length " + std::to_string(header_len) + " runs past the end of the file");
    const char* header = reinterpret_cast<const char*>(st.file.data + 8);
    const json h = json::parse(header, header + header_len, nullptr, false);
    if (h.is_discarded()) fail(path, "header is not valid JSON");
    if (!h.is_object()) fail(path, "header is not a JSON object");

    const uint64_t buffer_size = size - 8 - header_len;
    const uint8_t* buffer = st.file.data + 8 + header_len;
    std::vector<tensor_entry> entries;
    for (const auto& [name, info] : h.items()) {
        if (name == "__metadata__") {
            if (!info.is_object()) fail(path, "__metadata__ is not an object");
            for (const auto& [key, value] : info.items()) {
                if (!value.is_string()) fail(path, "__metadata__ value of " + key + " is not a string");
                st.metadata[key] = value.get<std::string>();
            }
            continue;
        }
        entries.push_back(parse_tensor(path, name, info, buffer_size));
    }
    // In file order, and no two tensors may share bytes.
    std::sort(entries.begin(), entries.end(), [](const tensor_entry& a, const tensor_entry& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    for (size_t i = 1; i < entries.size(); i++)
        if (entries[i].begin < entries[i - 1].end)
            fail(path, "tensors " + entries[i - 1].view.name + " and " + entries[i].view.name + " overlap");
    for (tensor_entry& e : entries) {
        e.view.data = buffer + e.begin;
        st.tensors.push_back(std::move(e.view));
    }
    return st;
}

const tensor_view* safetensors_set::find_tensor(const std::string& name) const {
    const auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : it->second;
}

static void add_shard(safetensors_set& set, const std::string& path) {
    set.shards.push_back(std::make_unique<safetensors_file>(safetensors_open(path)));
    for (const tensor_view& t : set.shards.back()->tensors)
        if (!set.by_name.emplace(t.name, &t).second) fail(path, "tensor " + t.name + " is also in another shard");
}

safetensors_set safetensors_open_dir(const std::string& dir) {
    safetensors_set set;
    const std::string index_path = dir + "/model.safetensors.index.json";
    if (!std::filesystem::exists(index_path)) {
        if (!std::filesystem::exists(dir + "/model.safetensors"))
            fail(dir, "no model.safetensors or model.safetensors.index.json");
        add_shard(set, dir + "/model.safetensors");
        return set;
    }
    const mapped_file index_file(index_path);
    const char* text = reinterpret_cast<const char*>(index_file.data);
    const json index = json::parse(text, text + index_file.size, nullptr, false);
    if (index.is_discarded() || !index.is_object()) fail(index_path, "not valid JSON");
    if (!index.contains("weight_map") || !index["weight_map"].is_object()) fail(index_path, "missing weight_map");
    std::set<std::string> shard_names;
    for (const auto& [tensor, shard] : index["weight_map"].items()) {
        if (!shard.is_string()) fail(index_path, "weight_map entry of " + tensor + " is not a file name");
        const std::string name = shard.get<std::string>();
        // Shards live in the directory itself; a path could point anywhere.
        if (name.empty() || name.find('/') != std::string::npos || name == "..")
            fail(index_path, "shard name \"" + name + "\" is not a plain file name");
        shard_names.insert(name);
    }
    for (const std::string& name : shard_names) add_shard(set, dir + "/" + name);
    for (const auto& [tensor, shard] : index["weight_map"].items()) {
        const tensor_view* t = set.find_tensor(tensor);
        if (!t) fail(dir + "/" + shard.get<std::string>(), "tensor " + tensor + " listed in the index is missing");
    }
    return set;
}

}  // namespace clinote
