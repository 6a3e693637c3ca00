// safetensors writer, laid out as the Python package does: the JSON header padded with
// spaces to a multiple of 8 bytes, then the tensors back to back in the order given.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/safetensors.h"
#include "quant/quant.h"

namespace clinote {

void safetensors_write(const std::string& path, const std::vector<safetensors_writer_tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header;
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const safetensors_writer_tensor& t : tensors) {
        if (t.type != dtype::f32 && t.type != dtype::f16 && t.type != dtype::bf16)
            fail(path, "tensor " + t.name + ": safetensors holds F32, F16 or BF16 here, not " + dtype_name(t.type));
        if (t.name == "__metadata__" || header.contains(t.name)) fail(path, "tensor name " + t.name + " is used twice");
        int64_t numel = 1;
        for (int64_t d : t.shape) numel *= d;
        if (t.nbytes != size_t(numel) * dtype_block_bytes(t.type))
            fail(path, "tensor " + t.name + " has " + std::to_string(t.nbytes) + " bytes, its shape needs " +
                           std::to_string(size_t(numel) * dtype_block_bytes(t.type)));
        header[t.name] = {{"dtype", dtype_name(t.type)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.nbytes}}};
        offset += t.nbytes;
    }
    std::string text = header.empty() ? "{}" : header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');

    const std::string tmp = path + ".partial";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) fail(path, std::string("cannot create: ") + std::strerror(errno));
    const uint64_t header_len = text.size();
    bool ok = std::fwrite(&header_len, 8, 1, f) == 1 && std::fwrite(text.data(), 1, text.size(), f) == text.size();
    for (const safetensors_writer_tensor& t : tensors)
        ok = ok && (t.nbytes == 0 || std::fwrite(t.data, 1, t.nbytes, f) == t.nbytes);
    const int saved_errno = errno;
    if (std::fclose(f) != 0) ok = false;
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        fail(path, std::string("write failed: ") + std::strerror(ok ? errno : saved_errno));
    }
}

}  // namespace clinote
