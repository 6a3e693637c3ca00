#include "jinja/jinja_value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace clinote {

void jinja_fail(std::string message) {
    throw jinja_error{std::move(message)};
}

const jinja_value* jinja_dict::find(std::string_view key) const {
    for (const auto& [k, v] : entries) {
        if (k == key) return &v;
    }
    return nullptr;
}

void jinja_dict::set(const std::string& key, jinja_value value) {
    for (auto& [k, v] : entries) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    entries.emplace_back(key, std::move(value));
}

const jinja_value* jinja_args::keyword_arg(std::string_view name) const {
    for (const auto& [k, v] : keyword) {
        if (k == name) return &v;
    }
    return nullptr;
}

const jinja_value* jinja_args::get(size_t i, std::string_view name) const {
    if (const jinja_value* v = keyword_arg(name)) return v;
    return i < positional.size() ? &positional[i] : nullptr;
}

jinja_value jinja_undefined(std::string name) {
    jinja_value v;
    v.text = std::move(name);
    return v;
}

jinja_value jinja_none() {
    jinja_value v;
    v.kind = jinja_kind::none;
    return v;
}

jinja_value jinja_bool(bool b) {
    jinja_value v;
    v.kind = jinja_kind::boolean;
    v.boolean = b;
    return v;
}

jinja_value jinja_int(int64_t i) {
    jinja_value v;
    v.kind = jinja_kind::integer;
    v.integer = i;
    return v;
}

jinja_value jinja_float(double f) {
    jinja_value v;
    v.kind = jinja_kind::floating;
    v.floating = f;
    return v;
}

jinja_value jinja_string(std::string s) {
    jinja_value v;
    v.kind = jinja_kind::string;
    v.text = std::move(s);
    return v;
}

jinja_value jinja_make_list(jinja_list items, bool tuple) {
    jinja_value v;
    v.kind = jinja_kind::list;
    v.tuple = tuple;
    v.list = std::make_shared<const jinja_list>(std::move(items));
    return v;
}

jinja_value jinja_make_dict(jinja_dict dict) {
    jinja_value v;
    v.kind = jinja_kind::dict;
    v.dict = std::make_shared<jinja_dict>(std::move(dict));
    return v;
}

jinja_value jinja_make_namespace(jinja_dict attrs) {
    jinja_value v = jinja_make_dict(std::move(attrs));
    v.kind = jinja_kind::ns;
    return v;
}

jinja_value jinja_make_function(jinja_function fn) {
    jinja_value v;
    v.kind = jinja_kind::function;
    v.function = std::make_shared<const jinja_function>(std::move(fn));
    return v;
}

jinja_value jinja_from_json(const nlohmann::json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::null: return jinja_none();
        case nlohmann::json::value_t::boolean: return jinja_bool(j.get<bool>());
        case nlohmann::json::value_t::number_integer: return jinja_int(j.get<int64_t>());
        case nlohmann::json::value_t::number_unsigned: return jinja_int(static_cast<int64_t>(j.get<uint64_t>()));
        case nlohmann::json::value_t::number_float: return jinja_float(j.get<double>());
        case nlohmann::json::value_t::string: return jinja_string(j.get<std::string>());
        case nlohmann::json::value_t::array: {
            jinja_list items;
            for (const auto& item : j) items.push_back(jinja_from_json(item));
            return jinja_make_list(std::move(items));
        }
        case nlohmann::json::value_t::object: {
            jinja_dict dict;
            for (const auto& [k, v] : j.items()) dict.entries.emplace_back(k, jinja_from_json(v));
            return jinja_make_dict(std::move(dict));
        }
        default: jinja_fail("unsupported JSON value (binary or discarded)");
    }
}

bool jinja_is_number(const jinja_value& v) {
    return v.kind == jinja_kind::integer || v.kind == jinja_kind::floating || v.kind == jinja_kind::boolean;
}

double jinja_as_double(const jinja_value& v) {
    if (v.kind == jinja_kind::floating) return v.floating;
    if (v.kind == jinja_kind::integer) return static_cast<double>(v.integer);
    return v.boolean ? 1.0 : 0.0;
}

bool jinja_truthy(const jinja_value& v) {
    switch (v.kind) {
        case jinja_kind::undefined:
        case jinja_kind::none: return false;
        case jinja_kind::boolean: return v.boolean;
        case jinja_kind::integer: return v.integer != 0;
        case jinja_kind::floating: return v.floating != 0;
        case jinja_kind::string: return !v.text.empty();
        case jinja_kind::list: return !v.list->empty();
        case jinja_kind::dict: return !v.dict->entries.empty();
        case jinja_kind::ns:
        case jinja_kind::function: return true;
    }
    return false;
}

bool jinja_equal(const jinja_value& a, const jinja_value& b) {
    if (jinja_is_number(a) && jinja_is_number(b)) {
        if (a.kind != jinja_kind::floating && b.kind != jinja_kind::floating) {
            auto as_int = [](const jinja_value& v) { return v.kind == jinja_kind::integer ? v.integer : int64_t(v.boolean); };
            return as_int(a) == as_int(b);
        }
        return jinja_as_double(a) == jinja_as_double(b);
    }
    if (a.kind != b.kind) return false;
    switch (a.kind) {
        case jinja_kind::undefined:
        case jinja_kind::none: return true;
        case jinja_kind::string: return a.text == b.text;
        case jinja_kind::list: {
            if (a.tuple != b.tuple || a.list->size() != b.list->size()) return false;
            for (size_t i = 0; i < a.list->size(); ++i) {
                if (!jinja_equal((*a.list)[i], (*b.list)[i])) return false;
            }
            return true;
        }
        case jinja_kind::dict: {
            if (a.dict->entries.size() != b.dict->entries.size()) return false;
            for (const auto& [k, v] : a.dict->entries) {
                const jinja_value* other = b.dict->find(k);
                if (!other || !jinja_equal(v, *other)) return false;
            }
            return true;
        }
        default: return a.dict == b.dict && a.function == b.function;
    }
}

bool jinja_less(const jinja_value& a, const jinja_value& b) {
    if (jinja_is_number(a) && jinja_is_number(b)) {
        if (a.kind == jinja_kind::integer && b.kind == jinja_kind::integer) return a.integer < b.integer;
        return jinja_as_double(a) < jinja_as_double(b);
    }
    if (a.kind == jinja_kind::string && b.kind == jinja_kind::string) return a.text < b.text;  // UTF-8 byte order is code point order
    if (a.kind == jinja_kind::list && b.kind == jinja_kind::list) {
        const jinja_list& x = *a.list;
        const jinja_list& y = *b.list;
        for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
            if (!jinja_equal(x[i], y[i])) return jinja_less(x[i], y[i]);
        }
        return x.size() < y.size();
    }
    jinja_fail("'<' not supported between instances of '" + jinja_type_name(a) + "' and '" + jinja_type_name(b) + "'");
}

std::string jinja_type_name(const jinja_value& v) {
    switch (v.kind) {
        case jinja_kind::undefined: return "Undefined";
        case jinja_kind::none: return "NoneType";
        case jinja_kind::boolean: return "bool";
        case jinja_kind::integer: return "int";
        case jinja_kind::floating: return "float";
        case jinja_kind::string: return "str";
        case jinja_kind::list: return v.tuple ? "tuple" : "list";
        case jinja_kind::dict: return "dict";
        case jinja_kind::ns: return "Namespace";
        case jinja_kind::function: return "function";
    }
    return "?";
}

std::string jinja_python_float(double f) {
    if (std::isnan(f)) return "nan";
    if (std::isinf(f)) return f < 0 ? "-inf" : "inf";
    // Python prints the shortest digit string that reads back as the same double.
    char buf[40];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*e", precision - 1, f);
        if (std::strtod(buf, nullptr) == f) break;
    }
    std::string s = buf;
    std::string sign;
    if (s[0] == '-') {
        sign = "-";
        s.erase(0, 1);
    }
    size_t e = s.find('e');
    int exponent = std::atoi(s.c_str() + e + 1);
    std::string digits;
    for (size_t i = 0; i < e; ++i) {
        if (s[i] != '.') digits += s[i];
    }
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    if (exponent >= -4 && exponent < 16) {
        std::string out;
        if (exponent >= 0) {
            if (digits.size() <= size_t(exponent) + 1) digits.append(size_t(exponent) + 1 - digits.size(), '0');
            out = digits.substr(0, size_t(exponent) + 1) + "." + digits.substr(size_t(exponent) + 1);
            if (out.back() == '.') out += "0";
        } else {
            out = "0." + std::string(size_t(-exponent - 1), '0') + digits;
        }
        return sign + out;
    }
    std::string mantissa = digits.substr(0, 1);
    if (digits.size() > 1) mantissa += "." + digits.substr(1);
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return sign + mantissa + exp_buf;
}

static std::string repr_string(const std::string& s) {
    char quote = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
    std::string out(1, quote);
    for (unsigned char c : s) {
        if (c == quote || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += char(c);
        }
    }
    out += quote;
    return out;
}

std::string jinja_repr(const jinja_value& v) {
    switch (v.kind) {
        case jinja_kind::string: return repr_string(v.text);
        case jinja_kind::undefined: return "Undefined";
        case jinja_kind::list: {
            std::string out = v.tuple ? "(" : "[";
            for (size_t i = 0; i < v.list->size(); ++i) {
                if (i) out += ", ";
                out += jinja_repr((*v.list)[i]);
            }
            if (v.tuple && v.list->size() == 1) out += ",";
            return out + (v.tuple ? ")" : "]");
        }
        case jinja_kind::dict:
        case jinja_kind::ns: {
            std::string out = v.kind == jinja_kind::ns ? "<Namespace {" : "{";
            bool first = true;
            for (const auto& [k, item] : v.dict->entries) {
                if (!first) out += ", ";
                first = false;
                out += repr_string(k) + ": " + jinja_repr(item);
            }
            return out + (v.kind == jinja_kind::ns ? "}>" : "}");
        }
        default: return jinja_str(v);
    }
}

std::string jinja_str(const jinja_value& v) {
    switch (v.kind) {
        case jinja_kind::undefined: return "";
        case jinja_kind::none: return "None";
        case jinja_kind::boolean: return v.boolean ? "True" : "False";
        case jinja_kind::integer: return std::to_string(v.integer);
        case jinja_kind::floating: return jinja_python_float(v.floating);
        case jinja_kind::string: return v.text;
        case jinja_kind::function: return "<function>";
        default: return jinja_repr(v);
    }
}

static void json_string(std::string& out, const std::string& s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += char(c);
                }
        }
    }
    out += '"';
}

static void json_dump(std::string& out, const jinja_value& v, int indent, int depth) {
    auto newline = [&](int level) {
        out += '\n';
        out.append(size_t(indent * level), ' ');
    };
    const char* item_separator = indent >= 0 ? "," : ", ";
    switch (v.kind) {
        case jinja_kind::none: out += "null"; return;
        case jinja_kind::boolean: out += v.boolean ? "true" : "false"; return;
        case jinja_kind::integer: out += std::to_string(v.integer); return;
        case jinja_kind::floating:
            if (std::isnan(v.floating)) out += "NaN";
            else if (std::isinf(v.floating)) out += v.floating < 0 ? "-Infinity" : "Infinity";
            else out += jinja_python_float(v.floating);
            return;
        case jinja_kind::string: json_string(out, v.text); return;
        case jinja_kind::list: {
            if (v.list->empty()) {
                out += "[]";
                return;
            }
            out += '[';
            for (size_t i = 0; i < v.list->size(); ++i) {
                if (i) out += item_separator;
                if (indent >= 0) newline(depth + 1);
                json_dump(out, (*v.list)[i], indent, depth + 1);
            }
            if (indent >= 0) newline(depth);
            out += ']';
            return;
        }
        case jinja_kind::dict: {
            if (v.dict->entries.empty()) {
                out += "{}";
                return;
            }
            out += '{';
            bool first = true;
            for (const auto& [k, item] : v.dict->entries) {
                if (!first) out += item_separator;
                first = false;
                if (indent >= 0) newline(depth + 1);
                json_string(out, k);
                out += ": ";
                json_dump(out, item, indent, depth + 1);
            }
            if (indent >= 0) newline(depth);
            out += '}';
            return;
        }
        default: jinja_fail("Object of type " + jinja_type_name(v) + " is not JSON serializable");
    }
}

std::string jinja_tojson(const jinja_value& v, int indent) {
    std::string out;
    json_dump(out, v, indent, 0);
    return out;
}

static size_t code_point_bytes(std::string_view s, size_t i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    return std::min(n, s.size() - i);
}

std::vector<std::string> utf8_code_points(std::string_view s) {
    std::vector<std::string> out;
    for (size_t i = 0; i < s.size();) {
        size_t n = code_point_bytes(s, i);
        out.emplace_back(s.substr(i, n));
        i += n;
    }
    return out;
}

jinja_list jinja_iterate(const jinja_value& v) {
    switch (v.kind) {
        case jinja_kind::undefined: return {};
        case jinja_kind::list: return *v.list;
        case jinja_kind::dict: {
            jinja_list keys;
            for (const auto& entry : v.dict->entries) keys.push_back(jinja_string(entry.first));
            return keys;
        }
        case jinja_kind::string: {
            jinja_list chars;
            for (auto& c : utf8_code_points(v.text)) chars.push_back(jinja_string(std::move(c)));
            return chars;
        }
        default: jinja_fail("'" + jinja_type_name(v) + "' object is not iterable");
    }
}

// The code points Python's str.isspace() accepts (what str.strip() removes by default).
static bool python_space(std::string_view cp) {
    static const char* const spaces[] = {
        " ", "\t", "\n", "\v", "\f", "\r", "\x1c", "\x1d", "\x1e", "\x1f", "\u0085", "\u00a0", "\u1680",
        "\u2000", "\u2001", "\u2002", "\u2003", "\u2004", "\u2005", "\u2006", "\u2007", "\u2008", "\u2009",
        "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"};
    for (const char* s : spaces) {
        if (cp == s) return true;
    }
    return false;
}

size_t py_space_prefix(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        size_t n = code_point_bytes(s, i);
        if (!python_space(s.substr(i, n))) break;
        i += n;
    }
    return i;
}

std::string py_strip(std::string_view s, const std::string* chars, bool left, bool right) {
    std::vector<std::string> cps = utf8_code_points(s);
    std::vector<std::string> strip_set;
    if (chars) strip_set = utf8_code_points(*chars);
    auto strippable = [&](const std::string& cp) {
        if (!chars) return python_space(cp);
        for (const auto& c : strip_set) {
            if (c == cp) return true;
        }
        return false;
    };
    size_t begin = 0, end = cps.size();
    if (left) {
        while (begin < end && strippable(cps[begin])) ++begin;
    }
    if (right) {
        while (end > begin && strippable(cps[end - 1])) --end;
    }
    std::string out;
    for (size_t i = begin; i < end; ++i) out += cps[i];
    return out;
}

}  // namespace clinote
