#include "jinja/jinja_builtins.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace clinote {
namespace {

[[noreturn]] void type_error(const std::string& message) { jinja_fail(message); }

bool is_int_like(const jinja_value& v) { return v.kind == jinja_kind::integer || v.kind == jinja_kind::boolean; }

int64_t as_int(const jinja_value& v) { return v.kind == jinja_kind::integer ? v.integer : int64_t(v.boolean); }

const std::string& need_string(const jinja_value& v, const std::string& what) {
    if (v.kind == jinja_kind::undefined) jinja_fail_undefined(v);
    if (v.kind != jinja_kind::string) type_error(what + " must be a string, not " + jinja_type_name(v));
    return v.text;
}

int64_t need_int(const jinja_value& v, const std::string& what) {
    if (v.kind == jinja_kind::undefined) jinja_fail_undefined(v);
    if (!is_int_like(v)) type_error(what + " must be an integer, not " + jinja_type_name(v));
    return as_int(v);
}

std::string ascii_lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string ascii_upper(std::string s) {
    for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string capitalize(const std::string& s) {
    std::string out = ascii_lower(s);
    if (!out.empty()) out[0] = char(std::toupper(static_cast<unsigned char>(out[0])));
    return out;
}

// Python's str.title(): a cased letter after an uncased character starts a word. Case
// mapping is ASCII-only; non-ASCII bytes count as letters and keep their case.
std::string python_title(const std::string& s) {
    std::string out = s;
    bool previous_cased = false;
    for (char& c : out) {
        unsigned char u = static_cast<unsigned char>(c);
        bool cased = std::isalpha(u) || u >= 0x80;
        if (cased) c = char(previous_cased ? std::tolower(u) : std::toupper(u));
        previous_cased = cased;
    }
    return out;
}

// jinja2's title filter: words start after whitespace, '-', '(', '{', '[' or '<'.
std::string jinja_title(const std::string& s) {
    std::string out = s;
    bool word_start = true;
    for (char& c : out) {
        unsigned char u = static_cast<unsigned char>(c);
        bool separator = std::isspace(u) || (c != '\0' && std::strchr("-({[<", c));
        if (!separator) c = char(word_start ? std::toupper(u) : std::tolower(u));
        word_start = separator;
    }
    return out;
}

std::string replace_all(const std::string& s, const std::string& from, const std::string& to, int64_t count) {
    if (from.empty()) type_error("replacing an empty string is not supported");
    std::string out;
    size_t pos = 0;
    for (int64_t n = 0; count < 0 || n < count; ++n) {
        size_t hit = s.find(from, pos);
        if (hit == std::string::npos) break;
        out.append(s, pos, hit - pos);
        out += to;
        pos = hit + from.size();
    }
    out.append(s, pos, std::string::npos);
    return out;
}

bool is_python_space(const std::string& cp) { return py_strip(cp, nullptr, true, true).empty(); }

jinja_value python_split(const std::string& s, const jinja_value* sep, int64_t maxsplit) {
    jinja_list parts;
    if (!sep || sep->kind == jinja_kind::none) {
        std::vector<std::string> cps = utf8_code_points(s);
        size_t i = 0;
        while (true) {
            while (i < cps.size() && is_python_space(cps[i])) ++i;
            if (i == cps.size()) break;
            std::string word;
            if (maxsplit >= 0 && int64_t(parts.size()) == maxsplit) {
                for (; i < cps.size(); ++i) word += cps[i];  // Python keeps the remainder's trailing space
                parts.push_back(jinja_string(word));
                break;
            }
            while (i < cps.size() && !is_python_space(cps[i])) word += cps[i++];
            parts.push_back(jinja_string(word));
        }
        return jinja_make_list(std::move(parts));
    }
    const std::string& separator = need_string(*sep, "split separator");
    if (separator.empty()) type_error("empty separator");
    size_t pos = 0;
    while (maxsplit < 0 || int64_t(parts.size()) < maxsplit) {
        size_t hit = s.find(separator, pos);
        if (hit == std::string::npos) break;
        parts.push_back(jinja_string(s.substr(pos, hit - pos)));
        pos = hit + separator.size();
    }
    parts.push_back(jinja_string(s.substr(pos)));
    return jinja_make_list(std::move(parts));
}

bool affix_matches(const std::string& s, const jinja_value& affix, bool prefix) {
    auto one = [&](const jinja_value& a) {
        const std::string& x = need_string(a, prefix ? "startswith argument" : "endswith argument");
        if (x.size() > s.size()) return false;
        return prefix ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0;
    };
    if (affix.kind == jinja_kind::list) {
        return std::any_of(affix.list->begin(), affix.list->end(), one);
    }
    return one(affix);
}

size_t code_point_count(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

jinja_value string_method(const std::string& s, const std::string& name) {
    auto method = [&](auto body) {
        return jinja_make_function([s, body](const jinja_args& a) { return body(s, a); });
    };
    auto strip = [](bool left, bool right) {
        return [left, right](const std::string& str, const jinja_args& a) {
            const jinja_value* chars = a.get(0, "chars");
            if (chars && chars->kind != jinja_kind::none) return jinja_string(py_strip(str, &need_string(*chars, "strip argument"), left, right));
            return jinja_string(py_strip(str, nullptr, left, right));
        };
    };
    if (name == "strip") return method(strip(true, true));
    if (name == "lstrip") return method(strip(true, false));
    if (name == "rstrip") return method(strip(false, true));
    if (name == "upper") return method([](const std::string& str, const jinja_args&) { return jinja_string(ascii_upper(str)); });
    if (name == "lower") return method([](const std::string& str, const jinja_args&) { return jinja_string(ascii_lower(str)); });
    if (name == "capitalize") return method([](const std::string& str, const jinja_args&) { return jinja_string(capitalize(str)); });
    if (name == "title") return method([](const std::string& str, const jinja_args&) { return jinja_string(python_title(str)); });
    if (name == "startswith" || name == "endswith") {
        bool prefix = name == "startswith";
        return method([prefix](const std::string& str, const jinja_args& a) {
            const jinja_value* affix = a.get(0, "prefix");
            if (!affix) type_error("startswith/endswith takes one argument");
            return jinja_bool(affix_matches(str, *affix, prefix));
        });
    }
    if (name == "split") {
        return method([](const std::string& str, const jinja_args& a) {
            const jinja_value* maxsplit = a.get(1, "maxsplit");
            return python_split(str, a.get(0, "sep"), maxsplit ? need_int(*maxsplit, "maxsplit") : -1);
        });
    }
    if (name == "replace") {
        return method([](const std::string& str, const jinja_args& a) {
            const jinja_value* from = a.get(0, "old");
            const jinja_value* to = a.get(1, "new");
            const jinja_value* count = a.get(2, "count");
            if (!from || !to) type_error("replace takes two arguments");
            return jinja_string(replace_all(str, need_string(*from, "replace argument"), need_string(*to, "replace argument"),
                                            count ? need_int(*count, "count") : -1));
        });
    }
    if (name == "find") {
        return method([](const std::string& str, const jinja_args& a) {
            const jinja_value* sub = a.get(0, "sub");
            if (!sub) type_error("find takes one argument");
            size_t hit = str.find(need_string(*sub, "find argument"));
            return jinja_int(hit == std::string::npos ? -1 : int64_t(code_point_count(str.substr(0, hit))));
        });
    }
    if (name == "join") {
        return method([](const std::string& str, const jinja_args& a) {
            const jinja_value* items = a.get(0, "iterable");
            if (!items) type_error("join takes one argument");
            std::string out;
            bool first = true;
            for (const auto& item : jinja_iterate(*items)) {
                if (!first) out += str;
                first = false;
                out += need_string(item, "joined item");
            }
            return jinja_string(out);
        });
    }
    return jinja_undefined("'str object' has no attribute '" + name + "'");
}

jinja_value dict_items(const jinja_dict& d) {
    jinja_list items;
    for (const auto& [k, v] : d.entries) items.push_back(jinja_make_list({jinja_string(k), v}, true));
    return jinja_make_list(std::move(items));
}

jinja_value dict_method(const jinja_value& obj, const std::string& name) {
    std::shared_ptr<jinja_dict> d = obj.dict;
    if (name == "items") return jinja_make_function([d](const jinja_args&) { return dict_items(*d); });
    if (name == "keys") {
        return jinja_make_function([d](const jinja_args&) {
            jinja_list keys;
            for (const auto& entry : d->entries) keys.push_back(jinja_string(entry.first));
            return jinja_make_list(std::move(keys));
        });
    }
    if (name == "values") {
        return jinja_make_function([d](const jinja_args&) {
            jinja_list values;
            for (const auto& entry : d->entries) values.push_back(entry.second);
            return jinja_make_list(std::move(values));
        });
    }
    if (name == "get") {
        return jinja_make_function([d](const jinja_args& a) {
            const jinja_value* key = a.get(0, "key");
            const jinja_value* fallback = a.get(1, "default");
            if (!key) type_error("get takes at least one argument");
            if (key->kind == jinja_kind::string) {
                if (const jinja_value* v = d->find(key->text)) return *v;
            }
            return fallback ? *fallback : jinja_none();
        });
    }
    return jinja_value{};
}

std::string object_description(const jinja_value& v) {
    if (v.kind == jinja_kind::none) return "None";
    return jinja_type_name(v) + " object";
}

// Python's slice.indices() applied to a sequence of length n.
std::vector<size_t> slice_indices(size_t n, const jinja_value* start, const jinja_value* stop, const jinja_value* step) {
    auto given = [](const jinja_value* v) { return v && v->kind != jinja_kind::none; };
    int64_t st = given(step) ? need_int(*step, "slice step") : 1;
    if (st == 0) type_error("slice step cannot be zero");
    int64_t len = int64_t(n);
    auto clamp = [&](const jinja_value* v, int64_t fallback) {
        if (!given(v)) return fallback;
        int64_t i = need_int(*v, "slice index");
        if (i < 0) i += len;
        if (st > 0) return std::clamp<int64_t>(i, 0, len);
        return std::clamp<int64_t>(i, -1, len - 1);
    };
    int64_t b = clamp(start, st > 0 ? 0 : len - 1);
    int64_t e = clamp(stop, st > 0 ? len : -1);
    std::vector<size_t> out;
    for (int64_t i = b; st > 0 ? i < e : i > e; i += st) out.push_back(size_t(i));
    return out;
}

// Python's integers have no bound; ours are 64-bit, and a result beyond them is an error
// rather than undefined behaviour (templates are untrusted input).
jinja_value int_result(int64_t a, int64_t b, const char* op) {
    int64_t r = 0;
    const bool overflowed = op[0] == '+' ? __builtin_add_overflow(a, b, &r)
                          : op[0] == '-' ? __builtin_sub_overflow(a, b, &r)
                                         : __builtin_mul_overflow(a, b, &r);
    if (overflowed) type_error(std::string("integer result of ") + op + " is too large (beyond 64 bits)");
    return jinja_int(r);
}

jinja_value add(const jinja_value& a, const jinja_value& b) {
    if (jinja_is_number(a) && jinja_is_number(b)) {
        if (is_int_like(a) && is_int_like(b)) return int_result(as_int(a), as_int(b), "+");
        return jinja_float(jinja_as_double(a) + jinja_as_double(b));
    }
    if (a.kind == jinja_kind::string && b.kind == jinja_kind::string) return jinja_string(a.text + b.text);
    if (a.kind == jinja_kind::list && b.kind == jinja_kind::list && a.tuple == b.tuple) {
        jinja_list items = *a.list;
        items.insert(items.end(), b.list->begin(), b.list->end());
        return jinja_make_list(std::move(items), a.tuple);
    }
    if (a.kind == jinja_kind::string) type_error("can only concatenate str (not \"" + jinja_type_name(b) + "\") to str");
    if (a.kind == jinja_kind::list) type_error("can only concatenate list (not \"" + jinja_type_name(b) + "\") to list");
    type_error("unsupported operand type(s) for +: '" + jinja_type_name(a) + "' and '" + jinja_type_name(b) + "'");
}

jinja_value repeat(const jinja_value& seq, int64_t times) {
    // A template is untrusted input: refuse products that could exhaust memory.
    size_t unit = seq.kind == jinja_kind::string ? seq.text.size() : seq.list->size();
    if (times > 0 && unit > 0 && uint64_t(times) > (uint64_t(1) << 26) / unit) type_error("repetition result is too large");
    if (seq.kind == jinja_kind::string) {
        std::string out;
        for (int64_t i = 0; i < times; ++i) out += seq.text;
        return jinja_string(out);
    }
    jinja_list items;
    for (int64_t i = 0; i < times; ++i) items.insert(items.end(), seq.list->begin(), seq.list->end());
    return jinja_make_list(std::move(items), seq.tuple);
}

jinja_value arithmetic(const std::string& op, const jinja_value& a, const jinja_value& b) {
    if (op == "+") return add(a, b);
    if (op == "*") {
        if ((a.kind == jinja_kind::string || a.kind == jinja_kind::list) && is_int_like(b)) return repeat(a, as_int(b));
        if ((b.kind == jinja_kind::string || b.kind == jinja_kind::list) && is_int_like(a)) return repeat(b, as_int(a));
    }
    if (!jinja_is_number(a) || !jinja_is_number(b)) {
        type_error("unsupported operand type(s) for " + op + ": '" + jinja_type_name(a) + "' and '" + jinja_type_name(b) + "'");
    }
    bool ints = is_int_like(a) && is_int_like(b);
    double x = jinja_as_double(a), y = jinja_as_double(b);
    if (op == "-") return ints ? int_result(as_int(a), as_int(b), "-") : jinja_float(x - y);
    if (op == "*") return ints ? int_result(as_int(a), as_int(b), "*") : jinja_float(x * y);
    if (op == "/" || op == "//" || op == "%") {
        if (y == 0) type_error(op == "%" ? "modulo by zero" : "division by zero");
        // The one quotient of two 64-bit integers that does not fit (its remainder is 0).
        if (ints && as_int(a) == INT64_MIN && as_int(b) == -1) {
            if (op == "%") return jinja_int(0);
            if (op == "//") type_error("integer result of // is too large (beyond 64 bits)");
        }
    }
    if (op == "/") return jinja_float(x / y);
    if (op == "//") {
        if (ints) {
            int64_t q = as_int(a) / as_int(b);
            if ((as_int(a) % as_int(b) != 0) && ((as_int(a) < 0) != (as_int(b) < 0))) --q;
            return jinja_int(q);
        }
        return jinja_float(std::floor(x / y));
    }
    if (op == "%") {
        if (ints) {
            int64_t r = as_int(a) % as_int(b);
            if (r != 0 && ((r < 0) != (as_int(b) < 0))) r += as_int(b);
            return jinja_int(r);
        }
        double r = std::fmod(x, y);
        if (r != 0 && ((r < 0) != (y < 0))) r += y;
        return jinja_float(r);
    }
    if (op == "**") {
        if (ints && as_int(b) >= 0) {
            int64_t result = 1, base = as_int(a);
            for (int64_t e = as_int(b); e > 0; e >>= 1) {
                if ((e & 1) && __builtin_mul_overflow(result, base, &result)) type_error("integer result of ** is too large");
                if (e > 1 && __builtin_mul_overflow(base, base, &base)) type_error("integer result of ** is too large");
            }
            return jinja_int(result);
        }
        return jinja_float(std::pow(x, y));
    }
    type_error("unknown operator " + op);
}

bool contains(const jinja_value& container, const jinja_value& item) {
    switch (container.kind) {
        case jinja_kind::undefined: return false;
        case jinja_kind::string:
            if (item.kind != jinja_kind::string) type_error("'in <string>' requires string as left operand, not " + jinja_type_name(item));
            return container.text.find(item.text) != std::string::npos;
        case jinja_kind::list:
            return std::any_of(container.list->begin(), container.list->end(), [&](const jinja_value& v) { return jinja_equal(v, item); });
        case jinja_kind::dict: return item.kind == jinja_kind::string && container.dict->find(item.text);
        default: type_error("argument of type '" + jinja_type_name(container) + "' is not iterable");
    }
}

// Attribute paths as selectattr/map take them: "a.b.0".
jinja_value get_path(const jinja_value& obj, const std::string& path) {
    jinja_value v = obj;
    size_t pos = 0;
    while (true) {
        size_t dot = path.find('.', pos);
        std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
        bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
        // An index past int64 names no item either way: looked up as the string it is.
        const bool index = numeric && part.size() <= 18;
        v = jinja_get_item(v, index ? jinja_int(std::stoll(part)) : jinja_string(part));
        if (dot == std::string::npos) return v;
        pos = dot + 1;
    }
}

// select/reject(test_name, args...) and selectattr/rejectattr(attribute, test_name, args...).
jinja_value select_items(const jinja_value& value, const jinja_args& args, bool by_attribute, bool keep_matching) {
    size_t first_test_arg = by_attribute ? 1 : 0;
    std::string attribute;
    if (by_attribute) {
        if (args.positional.empty()) type_error("selectattr/rejectattr need an attribute name");
        attribute = need_string(args.positional[0], "attribute");
    }
    std::string test_name;
    jinja_args test_args;
    if (args.positional.size() > first_test_arg) {
        test_name = need_string(args.positional[first_test_arg], "test name");
        test_args.positional.assign(args.positional.begin() + long(first_test_arg) + 1, args.positional.end());
    }
    jinja_list kept;
    for (const auto& item : jinja_iterate(value)) {
        jinja_value subject = by_attribute ? get_path(item, attribute) : item;
        bool matches = test_name.empty() ? jinja_truthy(subject) : jinja_test(test_name, subject, test_args);
        if (matches == keep_matching) kept.push_back(item);
    }
    return jinja_make_list(std::move(kept));
}

jinja_value map_items(const jinja_value& value, const jinja_args& args) {
    jinja_list out;
    if (const jinja_value* attribute = args.keyword_arg("attribute")) {
        const jinja_value* fallback = args.keyword_arg("default");
        for (const auto& item : jinja_iterate(value)) {
            jinja_value v = get_path(item, need_string(*attribute, "attribute"));
            out.push_back(v.kind == jinja_kind::undefined && fallback ? *fallback : v);
        }
        return jinja_make_list(std::move(out));
    }
    if (args.positional.empty()) type_error("map needs a filter name or attribute=");
    std::string filter_name = need_string(args.positional[0], "filter name");
    jinja_args filter_args;
    filter_args.positional.assign(args.positional.begin() + 1, args.positional.end());
    filter_args.keyword = args.keyword;
    for (const auto& item : jinja_iterate(value)) out.push_back(jinja_filter(filter_name, item, filter_args));
    return jinja_make_list(std::move(out));
}

jinja_value to_int(const jinja_value& value, const jinja_args& args) {
    const jinja_value* fallback = args.get(0, "default");
    jinja_value otherwise = fallback ? *fallback : jinja_int(0);
    if (is_int_like(value)) return jinja_int(as_int(value));
    if (value.kind == jinja_kind::floating) return std::isfinite(value.floating) ? jinja_int(int64_t(value.floating)) : otherwise;
    if (value.kind == jinja_kind::string) {
        std::string s = py_strip(value.text, nullptr, true, true);
        std::string digits;
        for (char c : s) {
            if (c != '_') digits += c;
        }
        size_t used = 0;
        try {
            int64_t i = std::stoll(digits, &used, 10);
            if (used == digits.size()) return jinja_int(i);
            double d = std::stod(digits, &used);
            if (used == digits.size() && std::isfinite(d)) return jinja_int(int64_t(d));
        } catch (const std::exception&) {
        }
    }
    return otherwise;
}

jinja_value to_float(const jinja_value& value, const jinja_args& args) {
    const jinja_value* fallback = args.get(0, "default");
    jinja_value otherwise = fallback ? *fallback : jinja_float(0.0);
    if (jinja_is_number(value)) return jinja_float(jinja_as_double(value));
    if (value.kind == jinja_kind::string) {
        std::string s = py_strip(value.text, nullptr, true, true);
        size_t used = 0;
        try {
            double d = std::stod(s, &used);
            if (used == s.size()) return jinja_float(d);
        } catch (const std::exception&) {
        }
    }
    return otherwise;
}

jinja_value length_of(const jinja_value& value) {
    switch (value.kind) {
        case jinja_kind::string: return jinja_int(int64_t(code_point_count(value.text)));
        case jinja_kind::list: return jinja_int(int64_t(value.list->size()));
        case jinja_kind::dict: return jinja_int(int64_t(value.dict->entries.size()));
        case jinja_kind::undefined: return jinja_int(0);
        default: type_error("object of type '" + jinja_type_name(value) + "' has no len()");
    }
}

jinja_value tojson(const jinja_value& value, const jinja_args& args) {
    // transformers' tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
    const jinja_value* ensure_ascii = args.get(0, "ensure_ascii");
    const jinja_value* indent = args.get(1, "indent");
    const jinja_value* separators = args.get(2, "separators");
    const jinja_value* sort_keys = args.get(3, "sort_keys");
    if ((ensure_ascii && jinja_truthy(*ensure_ascii)) || (separators && separators->kind != jinja_kind::none) ||
        (sort_keys && jinja_truthy(*sort_keys))) {
        type_error("tojson: only the indent option is supported");
    }
    int width = -1;
    if (indent && indent->kind != jinja_kind::none) width = int(need_int(*indent, "tojson indent"));
    return jinja_string(jinja_tojson(value, width));
}

jinja_value first_or_last(const jinja_value& value, bool first) {
    jinja_list items = jinja_iterate(value);
    if (items.empty()) return jinja_undefined(std::string("No ") + (first ? "first" : "last") + " item, sequence was empty.");
    return first ? items.front() : items.back();
}

}  // namespace

void jinja_fail_undefined(const jinja_value& v) {
    jinja_fail(v.text.empty() ? "undefined value" : v.text);
}

jinja_value jinja_get_attribute(const jinja_value& obj, const std::string& name) {
    switch (obj.kind) {
        case jinja_kind::undefined: jinja_fail_undefined(obj);
        case jinja_kind::string: return string_method(obj.text, name);
        case jinja_kind::dict: {
            jinja_value method = dict_method(obj, name);
            if (method.kind == jinja_kind::function) return method;
            if (const jinja_value* v = obj.dict->find(name)) return *v;
            break;
        }
        case jinja_kind::ns:
            if (const jinja_value* v = obj.dict->find(name)) return *v;
            break;
        default: break;
    }
    return jinja_undefined("'" + object_description(obj) + "' has no attribute '" + name + "'");
}

jinja_value jinja_get_item(const jinja_value& obj, const jinja_value& key) {
    if (obj.kind == jinja_kind::undefined) jinja_fail_undefined(obj);
    if ((obj.kind == jinja_kind::list || obj.kind == jinja_kind::string) && is_int_like(key)) {
        int64_t i = as_int(key);
        if (obj.kind == jinja_kind::list) {
            int64_t n = int64_t(obj.list->size());
            if (i < 0) i += n;
            if (i >= 0 && i < n) return (*obj.list)[size_t(i)];
            return jinja_undefined(jinja_type_name(obj) + " object has no element " + std::to_string(as_int(key)));
        }
        std::vector<std::string> cps = utf8_code_points(obj.text);
        int64_t n = int64_t(cps.size());
        if (i < 0) i += n;
        if (i >= 0 && i < n) return jinja_string(cps[size_t(i)]);
        return jinja_undefined("str object has no element " + std::to_string(as_int(key)));
    }
    if ((obj.kind == jinja_kind::dict || obj.kind == jinja_kind::ns) && key.kind == jinja_kind::string) {
        if (const jinja_value* v = obj.dict->find(key.text)) return *v;
    }
    if (key.kind == jinja_kind::string) return jinja_get_attribute(obj, key.text);
    return jinja_undefined("'" + object_description(obj) + "' has no item " + jinja_repr(key));
}

jinja_value jinja_slice(const jinja_value& obj, const jinja_value* start, const jinja_value* stop, const jinja_value* step) {
    if (obj.kind == jinja_kind::undefined) jinja_fail_undefined(obj);
    if (obj.kind == jinja_kind::list) {
        jinja_list out;
        for (size_t i : slice_indices(obj.list->size(), start, stop, step)) out.push_back((*obj.list)[i]);
        return jinja_make_list(std::move(out), obj.tuple);
    }
    if (obj.kind == jinja_kind::string) {
        std::vector<std::string> cps = utf8_code_points(obj.text);
        std::string out;
        for (size_t i : slice_indices(cps.size(), start, stop, step)) out += cps[i];
        return jinja_string(out);
    }
    type_error("'" + jinja_type_name(obj) + "' object is not subscriptable");
}

jinja_value jinja_negate(const jinja_value& v) {
    if (v.kind == jinja_kind::undefined) jinja_fail_undefined(v);
    if (is_int_like(v)) return int_result(0, as_int(v), "-");
    if (v.kind == jinja_kind::floating) return jinja_float(-v.floating);
    type_error("bad operand type for unary -: '" + jinja_type_name(v) + "'");
}

jinja_value jinja_binary(const std::string& op, const jinja_value& a, const jinja_value& b) {
    if (op == "~") return jinja_string(jinja_str(a) + jinja_str(b));
    if (op == "==") return jinja_bool(jinja_equal(a, b));
    if (op == "!=") return jinja_bool(!jinja_equal(a, b));
    if (op == "in") return jinja_bool(contains(b, a));
    if (op == "not in") return jinja_bool(!contains(b, a));
    if (a.kind == jinja_kind::undefined) jinja_fail_undefined(a);
    if (b.kind == jinja_kind::undefined) jinja_fail_undefined(b);
    if (op == "<") return jinja_bool(jinja_less(a, b));
    if (op == ">") return jinja_bool(jinja_less(b, a));
    if (op == "<=") return jinja_bool(!jinja_less(b, a));
    if (op == ">=") return jinja_bool(!jinja_less(a, b));
    return arithmetic(op, a, b);
}

jinja_value jinja_filter(const std::string& name, const jinja_value& value, const jinja_args& args) {
    if (name == "default" || name == "d") {
        const jinja_value* fallback = args.get(0, "default_value");
        const jinja_value* boolean = args.get(1, "boolean");
        bool use_fallback = value.kind == jinja_kind::undefined || (boolean && jinja_truthy(*boolean) && !jinja_truthy(value));
        if (!use_fallback) return value;
        return fallback ? *fallback : jinja_string("");
    }
    if (name == "length" || name == "count") return length_of(value);
    if (name == "tojson") return tojson(value, args);
    if (name == "string") return jinja_string(jinja_str(value));
    if (name == "safe") return value;
    if (name == "int") return to_int(value, args);
    if (name == "float") return to_float(value, args);
    if (name == "list") return jinja_make_list(jinja_iterate(value));
    if (name == "first" || name == "last") return first_or_last(value, name == "first");
    if (name == "select" || name == "reject") return select_items(value, args, false, name == "select");
    if (name == "selectattr" || name == "rejectattr") return select_items(value, args, true, name == "selectattr");
    if (name == "map") return map_items(value, args);
    if (name == "items") {
        if (value.kind == jinja_kind::undefined) return jinja_make_list({});
        if (value.kind != jinja_kind::dict) type_error("can only get item pairs from a mapping");
        return dict_items(*value.dict);
    }
    if (name == "join") {
        const jinja_value* separator = args.get(0, "d");
        const jinja_value* attribute = args.get(1, "attribute");
        std::string out;
        bool first = true;
        for (const auto& item : jinja_iterate(value)) {
            if (!first && separator) out += jinja_str(*separator);
            first = false;
            out += jinja_str(attribute ? get_path(item, jinja_str(*attribute)) : item);
        }
        return jinja_string(out);
    }
    if (name == "reverse") {
        if (value.kind == jinja_kind::string) {
            std::vector<std::string> cps = utf8_code_points(value.text);
            std::string out;
            for (auto it = cps.rbegin(); it != cps.rend(); ++it) out += *it;
            return jinja_string(out);
        }
        jinja_list items = jinja_iterate(value);
        std::reverse(items.begin(), items.end());
        return jinja_make_list(std::move(items));
    }
    if (name == "abs") {
        if (!jinja_is_number(value)) type_error("bad operand type for abs(): '" + jinja_type_name(value) + "'");
        return value.kind == jinja_kind::floating ? jinja_float(std::fabs(value.floating)) : jinja_int(std::llabs(as_int(value)));
    }
    // The remaining filters work on the value's string form.
    std::string s = jinja_str(value);
    if (name == "trim") {
        const jinja_value* chars = args.get(0, "chars");
        if (chars && chars->kind != jinja_kind::none) return jinja_string(py_strip(s, &need_string(*chars, "trim argument"), true, true));
        return jinja_string(py_strip(s, nullptr, true, true));
    }
    if (name == "upper") return jinja_string(ascii_upper(s));
    if (name == "lower") return jinja_string(ascii_lower(s));
    if (name == "capitalize") return jinja_string(capitalize(s));
    if (name == "title") return jinja_string(jinja_title(s));
    if (name == "replace") {
        const jinja_value* from = args.get(0, "old");
        const jinja_value* to = args.get(1, "new");
        const jinja_value* count = args.get(2, "count");
        if (!from || !to) type_error("replace needs two arguments");
        return jinja_string(replace_all(s, jinja_str(*from), jinja_str(*to),
                                        count && count->kind != jinja_kind::none ? need_int(*count, "count") : -1));
    }
    type_error("no filter named '" + name + "'");
}

bool jinja_test(const std::string& name, const jinja_value& value, const jinja_args& args) {
    auto operand = [&]() -> const jinja_value& {
        if (args.positional.empty()) type_error("test '" + name + "' needs an argument");
        return args.positional[0];
    };
    if (name == "defined") return value.kind != jinja_kind::undefined;
    if (name == "undefined") return value.kind == jinja_kind::undefined;
    if (name == "none") return value.kind == jinja_kind::none;
    if (name == "boolean") return value.kind == jinja_kind::boolean;
    if (name == "true") return value.kind == jinja_kind::boolean && value.boolean;
    if (name == "false") return value.kind == jinja_kind::boolean && !value.boolean;
    if (name == "integer") return value.kind == jinja_kind::integer;
    if (name == "float") return value.kind == jinja_kind::floating;
    if (name == "number") return jinja_is_number(value);
    if (name == "string") return value.kind == jinja_kind::string;
    if (name == "mapping") return value.kind == jinja_kind::dict;
    if (name == "iterable") {
        return value.kind == jinja_kind::string || value.kind == jinja_kind::list || value.kind == jinja_kind::dict ||
               value.kind == jinja_kind::undefined;
    }
    if (name == "sequence") return value.kind == jinja_kind::string || value.kind == jinja_kind::list || value.kind == jinja_kind::dict;
    if (name == "callable") return value.kind == jinja_kind::function;
    if (name == "lower") return value.kind == jinja_kind::string && ascii_lower(value.text) == value.text;
    if (name == "upper") return value.kind == jinja_kind::string && ascii_upper(value.text) == value.text;
    if (name == "even" || name == "odd") return need_int(value, "value") % 2 == (name == "odd" ? 1 : 0);
    if (name == "divisibleby") {
        int64_t d = need_int(operand(), "divisor");
        if (d == 0) type_error("integer modulo by zero");
        return need_int(value, "value") % d == 0;
    }
    if (name == "sameas") {
        const jinja_value& other = operand();
        if (value.kind != other.kind) return false;
        if (value.kind == jinja_kind::list) return value.list == other.list;
        if (value.kind == jinja_kind::dict || value.kind == jinja_kind::ns) return value.dict == other.dict;
        return jinja_equal(value, other);
    }
    if (name == "in") return contains(operand(), value);
    static const std::pair<const char*, const char*> comparisons[] = {
        {"equalto", "=="}, {"eq", "=="}, {"==", "=="}, {"ne", "!="}, {"!=", "!="}, {"lt", "<"}, {"<", "<"},
        {"le", "<="}, {"<=", "<="}, {"gt", ">"}, {">", ">"}, {"ge", ">="}, {">=", ">="}};
    for (const auto& [test, op] : comparisons) {
        if (name == test) return jinja_truthy(jinja_binary(op, value, operand()));
    }
    type_error("no test named '" + name + "'");
}

void jinja_add_default_globals(std::map<std::string, jinja_value>& globals) {
    globals["range"] = jinja_make_function([](const jinja_args& a) {
        if (a.positional.empty() || a.positional.size() > 3) type_error("range expected 1 to 3 arguments");
        int64_t start = 0, stop = 0, step = 1;
        if (a.positional.size() == 1) {
            stop = need_int(a.positional[0], "range argument");
        } else {
            start = need_int(a.positional[0], "range argument");
            stop = need_int(a.positional[1], "range argument");
            if (a.positional.size() == 3) step = need_int(a.positional[2], "range argument");
        }
        if (step == 0) type_error("range() arg 3 must not be zero");
        jinja_list items;
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (items.size() >= 100000) type_error("range too big");  // jinja2's sandbox limit (MAX_RANGE)
            items.push_back(jinja_int(i));
        }
        return jinja_make_list(std::move(items));
    });
    auto keyword_dict = [](const jinja_args& a) {
        jinja_dict d;
        for (const auto& positional : a.positional) {
            if (positional.kind != jinja_kind::dict) type_error("expected a mapping argument");
            for (const auto& [k, v] : positional.dict->entries) d.set(k, v);
        }
        for (const auto& [k, v] : a.keyword) d.set(k, v);
        return d;
    };
    globals["namespace"] = jinja_make_function([keyword_dict](const jinja_args& a) {
        jinja_dict d = keyword_dict(a);
        for (const auto& entry : d.entries) {
            if (!entry.first.empty() && entry.first[0] == '_') type_error("namespace attributes cannot start with '_'");
        }
        return jinja_make_namespace(std::move(d));
    });
    globals["dict"] = jinja_make_function([keyword_dict](const jinja_args& a) { return jinja_make_dict(keyword_dict(a)); });
}

}  // namespace clinote
