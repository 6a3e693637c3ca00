// Look-ups on an opened GGUF file and constructors of metadata values.
#include <cstdio>
#include <iterator>

#include "core/error.h"
#include "io/gguf.h"

namespace clinote {

namespace {

bool is_integer(gguf_type t) {
    switch (t) {
        case gguf_type::uint8: case gguf_type::int8: case gguf_type::uint16: case gguf_type::int16:
        case gguf_type::uint32: case gguf_type::int32: case gguf_type::uint64: case gguf_type::int64: return true;
        default: return false;
    }
}

bool is_float(gguf_type t) { return t == gguf_type::float32 || t == gguf_type::float64; }

[[noreturn]] void wrong_type(const gguf_file& g, const std::string& key, const char* expected) {
    fail(g.file.path, "metadata " + key + " is not " + expected);
}

const gguf_value* find_array(const gguf_file& g, const std::string& key, bool (*element_ok)(gguf_type),
                             const char* expected) {
    const gguf_value* v = g.find(key);
    if (v && (v->type != gguf_type::array || !element_ok(v->array_type))) wrong_type(g, key, expected);
    return v;
}

}  // namespace

const tensor_view* gguf_file::find_tensor(const std::string& name) const {
    for (const tensor_view& t : tensors)
        if (t.name == name) return &t;
    return nullptr;
}

const gguf_value* gguf_file::find(const std::string& key) const {
    const auto it = metadata.find(key);
    return it == metadata.end() ? nullptr : &it->second;
}

std::optional<int64_t> gguf_file::get_int(const std::string& key) const {
    const gguf_value* v = find(key);
    if (!v) return std::nullopt;
    if (!is_integer(v->type)) wrong_type(*this, key, "an integer");
    return v->i;
}

// Integers are accepted where a float is expected: some converters write e.g. a scale
// factor of 8 as an integer.
std::optional<double> gguf_file::get_float(const std::string& key) const {
    const gguf_value* v = find(key);
    if (!v) return std::nullopt;
    if (is_float(v->type)) return v->f;
    if (is_integer(v->type)) return double(v->i);
    wrong_type(*this, key, "a number");
}

std::optional<bool> gguf_file::get_bool(const std::string& key) const {
    const gguf_value* v = find(key);
    if (!v) return std::nullopt;
    if (v->type != gguf_type::boolean) wrong_type(*this, key, "a boolean");
    return v->b;
}

std::optional<std::string> gguf_file::get_string(const std::string& key) const {
    const gguf_value* v = find(key);
    if (!v) return std::nullopt;
    if (v->type != gguf_type::string) wrong_type(*this, key, "a string");
    return v->s;
}

std::vector<std::string> gguf_file::get_string_array(const std::string& key) const {
    std::vector<std::string> out;
    const gguf_value* v = find_array(*this, key, [](gguf_type t) { return t == gguf_type::string; }, "an array of strings");
    if (v)
        for (const gguf_value& e : v->array) out.push_back(e.s);
    return out;
}

std::vector<double> gguf_file::get_float_array(const std::string& key) const {
    std::vector<double> out;
    const gguf_value* v = find_array(*this, key, [](gguf_type t) { return is_float(t) || is_integer(t); }, "an array of numbers");
    if (v)
        for (const gguf_value& e : v->array) out.push_back(is_float(e.type) ? e.f : double(e.i));
    return out;
}

std::vector<int64_t> gguf_file::get_int_array(const std::string& key) const {
    std::vector<int64_t> out;
    const gguf_value* v = find_array(*this, key, is_integer, "an array of integers");
    if (v)
        for (const gguf_value& e : v->array) out.push_back(e.i);
    return out;
}

const char* gguf_type_name(gguf_type t) {
    static const char* const names[] = {"UINT8", "INT8",  "UINT16", "INT16", "UINT32", "INT32",  "FLOAT32",
                                        "BOOL",  "STRING", "ARRAY", "UINT64", "INT64", "FLOAT64"};
    const auto i = size_t(t);
    return i < std::size(names) ? names[i] : "UNKNOWN";
}

static std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

std::string gguf_value_to_string(const gguf_value& v, size_t max_items) {
    switch (v.type) {
        case gguf_type::string: return quoted(v.s);
        case gguf_type::boolean: return v.b ? "true" : "false";
        case gguf_type::uint64: return std::to_string(uint64_t(v.i));
        case gguf_type::float32: case gguf_type::float64: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.9g", v.f);
            return buf;
        }
        case gguf_type::array: {
            std::string out = std::string("[") + gguf_type_name(v.array_type) + " x " + std::to_string(v.array.size()) + "]";
            for (size_t i = 0; i < v.array.size() && i < max_items; i++)
                out += (i ? ", " : " ") + gguf_value_to_string(v.array[i], max_items);
            if (v.array.size() > max_items) out += ", ...";
            return out;
        }
        default: return std::to_string(v.i);
    }
}

gguf_value gguf_string(std::string s) {
    gguf_value v;
    v.type = gguf_type::string;
    v.s = std::move(s);
    return v;
}

gguf_value gguf_u32(uint32_t x) {
    gguf_value v;
    v.type = gguf_type::uint32;
    v.i = x;
    return v;
}

gguf_value gguf_i32(int32_t x) {
    gguf_value v;
    v.type = gguf_type::int32;
    v.i = x;
    return v;
}

gguf_value gguf_f32(float x) {
    gguf_value v;
    v.type = gguf_type::float32;
    v.f = x;
    return v;
}

gguf_value gguf_bool(bool x) {
    gguf_value v;
    v.type = gguf_type::boolean;
    v.b = x;
    return v;
}

gguf_value gguf_string_array(const std::vector<std::string>& strings) {
    gguf_value v;
    v.type = gguf_type::array;
    v.array_type = gguf_type::string;
    v.array.reserve(strings.size());
    for (const std::string& s : strings) v.array.push_back(gguf_string(s));
    return v;
}

}  // namespace clinote
