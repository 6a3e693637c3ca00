// GGUF v3 writer: header, metadata, tensor infos, then each tensor's data aligned.
// The file is written beside the target and renamed into place, so a failed write never
// leaves a half-written model under the requested name.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "io/gguf.h"
#include "quant/quant.h"

namespace clinote {

namespace {

struct file_writer {
    std::string path;  // for messages: the final name
    std::FILE* f;
    uint64_t written = 0;

    void bytes(const void* p, size_t n) {
        if (n && std::fwrite(p, 1, n, f) != n) fail(path, std::string("write failed: ") + std::strerror(errno));
        written += n;
    }
    template <typename T>
    void put(T v) { bytes(&v, sizeof v); }
    void string(const std::string& s) {
        put<uint64_t>(s.size());
        bytes(s.data(), s.size());
    }
    void pad_to(uint64_t alignment) {
        static const uint8_t zeros[256] = {};
        while (written % alignment) bytes(zeros, size_t(std::min<uint64_t>(sizeof zeros, alignment - written % alignment)));
    }
};

void write_value(file_writer& w, const std::string& key, const gguf_value& v) {
    switch (v.type) {
        case gguf_type::uint8: w.put(uint8_t(v.i)); break;
        case gguf_type::int8: w.put(int8_t(v.i)); break;
        case gguf_type::uint16: w.put(uint16_t(v.i)); break;
        case gguf_type::int16: w.put(int16_t(v.i)); break;
        case gguf_type::uint32: w.put(uint32_t(v.i)); break;
        case gguf_type::int32: w.put(int32_t(v.i)); break;
        case gguf_type::uint64: w.put(uint64_t(v.i)); break;
        case gguf_type::int64: w.put(int64_t(v.i)); break;
        case gguf_type::float32: w.put(float(v.f)); break;
        case gguf_type::float64: w.put(double(v.f)); break;
        case gguf_type::boolean: w.put(uint8_t(v.b ? 1 : 0)); break;
        case gguf_type::string: w.string(v.s); break;
        case gguf_type::array:
            w.put(uint32_t(v.array_type));
            w.put(uint64_t(v.array.size()));
            for (const gguf_value& e : v.array) {
                if (e.type != v.array_type) fail(w.path, "metadata " + key + " mixes element types in one array");
                write_value(w, key, e);
            }
            break;
        default: fail(w.path, "metadata " + key + " has unknown type " + std::to_string(uint32_t(v.type)));
    }
}

size_t expected_nbytes(const gguf_writer_tensor& t) {
    int64_t numel = 1;
    for (int64_t d : t.shape) numel *= d;
    const int64_t row = t.shape.empty() ? 1 : t.shape.back();
    return row == 0 ? 0 : dtype_row_bytes(t.type, row) * size_t(numel / row);
}

}  // namespace

void gguf_write(const std::string& path, const std::map<std::string, gguf_value>& metadata,
                const std::vector<gguf_writer_tensor>& tensors, uint32_t alignment) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) fail(path, "alignment must be a power of two");
    std::map<std::string, gguf_value> meta = metadata;
    if (const auto it = meta.find("general.alignment"); it != meta.end()) {
        if (it->second.type != gguf_type::uint32 || it->second.i != alignment)
            fail(path, "metadata general.alignment disagrees with the alignment written");
    } else if (alignment != 32) {
        meta["general.alignment"] = gguf_u32(alignment);
    }
    for (const gguf_writer_tensor& t : tensors) {
        if (t.shape.size() > 4) fail(path, "tensor " + t.name + " has more than 4 dimensions");
        if (t.nbytes != expected_nbytes(t))
            fail(path, "tensor " + t.name + " has " + std::to_string(t.nbytes) + " bytes, its shape needs " +
                           std::to_string(expected_nbytes(t)));
    }

    const std::string tmp = path + ".partial";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) fail(path, std::string("cannot create: ") + std::strerror(errno));
    file_writer w{path, f};
    try {
        w.put<uint32_t>(0x46554747);  // "GGUF"
        w.put<uint32_t>(3);
        w.put<uint64_t>(tensors.size());
        w.put<uint64_t>(meta.size());
        for (const auto& [key, value] : meta) {
            w.string(key);
            w.put(uint32_t(value.type));
            write_value(w, key, value);
        }
        uint64_t offset = 0;
        for (const gguf_writer_tensor& t : tensors) {
            w.string(t.name);
            w.put(uint32_t(t.shape.size()));
            for (auto d = t.shape.rbegin(); d != t.shape.rend(); ++d) w.put(uint64_t(*d));
            w.put(uint32_t(t.type));
            w.put(offset);
            offset += (t.nbytes + alignment - 1) / alignment * alignment;
        }
        w.pad_to(alignment);
        for (const gguf_writer_tensor& t : tensors) {
            w.bytes(t.data, t.nbytes);
            w.pad_to(alignment);
        }
        if (std::fclose(f) != 0) {
            f = nullptr;
            fail(path, std::string("write failed: ") + std::strerror(errno));
        }
        f = nullptr;
        if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(path, std::string("cannot rename into place: ") + std::strerror(errno));
    } catch (...) {
        if (f) std::fclose(f);
        std::remove(tmp.c_str());
        throw;
    }
}

}  // namespace clinote
