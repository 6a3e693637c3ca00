// GGUF reader. The header is parsed with a cursor that checks every read against the end
// of the file, and every count against the bytes that could still hold it, so a truncated
// or hostile file gives one clinote::error and never an out-of-bounds read or a huge
// allocation.
#include <cstring>
#include <limits>
#include <set>

#include "core/error.h"
#include "io/gguf.h"
#include "quant/quant.h"

namespace clinote {

namespace {

constexpr uint32_t gguf_magic = 0x46554747;  // "GGUF" read as a little-endian uint32
constexpr int max_dims = 4;                  // GGML_MAX_DIMS
constexpr int max_array_depth = 8;           // nested arrays deeper than this are not plausible metadata

struct cursor {
    const uint8_t* data;
    size_t size;
    size_t pos;
    const std::string& path;

    [[noreturn]] void fail_here(const std::string& what) const {
        fail(path, what + " (at byte " + std::to_string(pos) + ")");
    }
    size_t remaining() const { return size - pos; }
    void need(size_t n, const char* what) const {
        if (n > remaining()) fail_here(std::string("truncated ") + what);
    }
    template <typename T>
    T read(const char* what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, data + pos, sizeof(T));
        pos += sizeof(T);
        return v;
    }
    std::string read_string(const char* what) {
        const uint64_t len = read<uint64_t>(what);
        if (len > remaining()) fail_here(std::string(what) + " of length " + std::to_string(len) + " runs past the end of the file");
        std::string s(reinterpret_cast<const char*>(data + pos), size_t(len));
        pos += size_t(len);
        return s;
    }
    // A count of items each at least min_bytes long must fit in what is left of the file.
    void check_count(uint64_t count, size_t min_bytes, const std::string& what) const {
        if (count > remaining() / min_bytes)
            fail_here(what + " count " + std::to_string(count) + " is larger than the file could hold");
    }
};

bool is_valid_type(uint32_t t) { return t <= uint32_t(gguf_type::float64); }

// Smallest encoding of one value of a type, for count checks.
size_t min_value_bytes(gguf_type t) {
    switch (t) {
        case gguf_type::uint8: case gguf_type::int8: case gguf_type::boolean: return 1;
        case gguf_type::uint16: case gguf_type::int16: return 2;
        case gguf_type::uint32: case gguf_type::int32: case gguf_type::float32: return 4;
        case gguf_type::string: case gguf_type::uint64: case gguf_type::int64: case gguf_type::float64: return 8;
        case gguf_type::array: return 12;  // element type + count
    }
    return 1;
}

gguf_value read_value(cursor& c, gguf_type type, int depth);

gguf_value read_array(cursor& c, int depth) {
    if (depth >= max_array_depth) c.fail_here("arrays nested more than " + std::to_string(max_array_depth) + " deep");
    gguf_value v;
    v.type = gguf_type::array;
    const uint32_t elem = c.read<uint32_t>("array type");
    if (!is_valid_type(elem)) c.fail_here("unknown array element type " + std::to_string(elem));
    v.array_type = gguf_type(elem);
    const uint64_t n = c.read<uint64_t>("array length");
    c.check_count(n, min_value_bytes(v.array_type), "array");
    v.array.reserve(size_t(n));
    for (uint64_t i = 0; i < n; i++) v.array.push_back(read_value(c, v.array_type, depth + 1));
    return v;
}

gguf_value read_value(cursor& c, gguf_type type, int depth) {
    gguf_value v;
    v.type = type;
    switch (type) {
        case gguf_type::uint8: v.i = c.read<uint8_t>("value"); break;
        case gguf_type::int8: v.i = c.read<int8_t>("value"); break;
        case gguf_type::uint16: v.i = c.read<uint16_t>("value"); break;
        case gguf_type::int16: v.i = c.read<int16_t>("value"); break;
        case gguf_type::uint32: v.i = c.read<uint32_t>("value"); break;
        case gguf_type::int32: v.i = c.read<int32_t>("value"); break;
        case gguf_type::uint64: v.i = int64_t(c.read<uint64_t>("value")); break;
        case gguf_type::int64: v.i = c.read<int64_t>("value"); break;
        case gguf_type::float32: v.f = c.read<float>("value"); break;
        case gguf_type::float64: v.f = c.read<double>("value"); break;
        case gguf_type::boolean: {
            const uint8_t b = c.read<uint8_t>("value");
            if (b > 1) c.fail_here("boolean value " + std::to_string(b) + " is neither 0 nor 1");
            v.b = b != 0;
            break;
        }
        case gguf_type::string: v.s = c.read_string("string"); break;
        case gguf_type::array: return read_array(c, depth);
    }
    return v;
}

struct tensor_info {
    tensor_view view;
    uint64_t offset;
};

tensor_info read_tensor_info(cursor& c) {
    tensor_info info;
    tensor_view& t = info.view;
    t.name = c.read_string("tensor name");
    const uint32_t n_dims = c.read<uint32_t>("tensor dimension count");
    if (n_dims > max_dims) c.fail_here("tensor " + t.name + " has " + std::to_string(n_dims) + " dimensions (at most 4)");
    std::vector<int64_t> ne(n_dims);
    int64_t numel = 1;
    for (uint32_t d = 0; d < n_dims; d++) {
        const uint64_t n = c.read<uint64_t>("tensor shape");
        if (n == 0) c.fail_here("tensor " + t.name + " has an empty dimension");
        if (n > uint64_t(std::numeric_limits<int64_t>::max()) || uint64_t(numel) > uint64_t(std::numeric_limits<int64_t>::max()) / n)
            c.fail_here("tensor " + t.name + " has an impossibly large shape");
        ne[d] = int64_t(n);
        numel *= int64_t(n);
    }
    const uint32_t type = c.read<uint32_t>("tensor type");
    if (!dtype_is_known(type)) c.fail_here("tensor " + t.name + " has unsupported type id " + std::to_string(type));
    t.type = dtype(type);
    info.offset = c.read<uint64_t>("tensor offset");
    t.shape.assign(ne.rbegin(), ne.rend());  // GGUF lists the fastest-varying dimension first
    const int64_t row = ne.empty() ? 1 : ne[0];  // ne[0] is the fastest-varying dimension: a row
    if (row % dtype_block_size(t.type) != 0)
        c.fail_here("tensor " + t.name + " has rows of " + std::to_string(row) + " values, not a whole number of " +
                    dtype_name(t.type) + " blocks");
    const uint64_t n_blocks = uint64_t(numel / dtype_block_size(t.type));
    if (n_blocks > c.size / dtype_block_bytes(t.type))
        c.fail_here("tensor " + t.name + " is larger than the file");
    t.nbytes = size_t(n_blocks) * dtype_block_bytes(t.type);
    return info;
}

}  // namespace

gguf_file gguf_open(const std::string& path) {
    gguf_file g;
    g.file = mapped_file(path);
    cursor c{g.file.data, g.file.size, 0, path};

    if (c.remaining() < 4 || c.read<uint32_t>("magic") != gguf_magic) fail(path, "not a GGUF file (bad magic)");
    g.version = c.read<uint32_t>("version");
    if (g.version != 2 && g.version != 3)
        fail(path, "unsupported GGUF version " + std::to_string(g.version) + " (only 2 and 3 are read)");
    const uint64_t n_tensors = c.read<uint64_t>("tensor count");
    const uint64_t n_kv = c.read<uint64_t>("metadata count");
    c.check_count(n_kv, 8 + 4 + 1, "metadata");  // key length, value type, smallest value
    c.check_count(n_tensors, 8 + 4 + 4 + 8, "tensor");  // name length, n_dims, type, offset

    for (uint64_t i = 0; i < n_kv; i++) {
        std::string key = c.read_string("metadata key");
        const uint32_t type = c.read<uint32_t>("metadata type");
        if (!is_valid_type(type)) c.fail_here("metadata " + key + " has unknown type " + std::to_string(type));
        gguf_value v = read_value(c, gguf_type(type), 0);
        if (!g.metadata.emplace(key, std::move(v)).second) c.fail_here("duplicate metadata key " + key);
    }

    if (const gguf_value* a = g.find("general.alignment")) {
        if (a->type != gguf_type::uint32 || a->i == 0 || (a->i & (a->i - 1)) != 0)
            fail(path, "general.alignment must be a power of two stored as uint32");
        g.alignment = uint32_t(a->i);
    }

    std::vector<tensor_info> infos;
    infos.reserve(size_t(n_tensors));
    std::set<std::string> names;
    for (uint64_t i = 0; i < n_tensors; i++) {
        infos.push_back(read_tensor_info(c));
        if (!names.insert(infos.back().view.name).second) c.fail_here("duplicate tensor name " + infos.back().view.name);
    }

    const size_t data_start = (c.pos + g.alignment - 1) / g.alignment * g.alignment;
    for (tensor_info& info : infos) {
        tensor_view& t = info.view;
        if (info.offset % g.alignment != 0)
            fail(path, "tensor " + t.name + " data offset " + std::to_string(info.offset) + " is not a multiple of the alignment " +
                           std::to_string(g.alignment));
        if (data_start > g.file.size || info.offset > g.file.size - data_start || t.nbytes > g.file.size - data_start - info.offset)
            fail(path, "tensor " + t.name + " data (" + std::to_string(t.nbytes) + " bytes at offset " + std::to_string(info.offset) +
                           ") runs past the end of the file");
        t.data = g.file.data + data_start + info.offset;
        g.tensors.push_back(std::move(t));
    }
    return g;
}

}  // namespace clinote
