// Values of the Jinja-subset interpreter, with Python's semantics where chat templates
// can observe them: str()/repr() output, truthiness, equality and ordering, and
// transformers' tojson (json.dumps with ensure_ascii=False).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clinote {

// Thrown inside the interpreter; line/column are filled in by the innermost template
// node that sees it, so the caller can report where the template went wrong.
struct jinja_error {
    std::string message;
    int line = 0;
    int column = 0;
};

[[noreturn]] void jinja_fail(std::string message);

struct jinja_value;
struct jinja_args;
using jinja_list = std::vector<jinja_value>;
using jinja_function = std::function<jinja_value(const jinja_args&)>;

// Keys keep insertion order, as Python dicts do (tojson and iteration expose it).
struct jinja_dict {
    std::vector<std::pair<std::string, jinja_value>> entries;
    const jinja_value* find(std::string_view key) const;
    void set(const std::string& key, jinja_value value);
};

enum class jinja_kind { undefined, none, boolean, integer, floating, string, list, dict, ns, function };

struct jinja_value {
    jinja_kind kind = jinja_kind::undefined;
    bool boolean = false;
    bool tuple = false;  // a list that Python would print as a tuple
    int64_t integer = 0;
    double floating = 0;
    std::string text;  // string contents; for undefined, the name that was looked up
    std::shared_ptr<const jinja_list> list;
    std::shared_ptr<jinja_dict> dict;  // dict (never mutated) or namespace (mutable, shared)
    std::shared_ptr<const jinja_function> function;
};

struct jinja_args {
    std::vector<jinja_value> positional;
    std::vector<std::pair<std::string, jinja_value>> keyword;
    // The i-th parameter named `name`: by keyword if given, else positional[i], else nullptr.
    const jinja_value* get(size_t i, std::string_view name) const;
    const jinja_value* keyword_arg(std::string_view name) const;
};

jinja_value jinja_undefined(std::string name);
jinja_value jinja_none();
jinja_value jinja_bool(bool b);
jinja_value jinja_int(int64_t i);
jinja_value jinja_float(double f);
jinja_value jinja_string(std::string s);
jinja_value jinja_make_list(jinja_list items, bool tuple = false);
jinja_value jinja_make_dict(jinja_dict dict);
jinja_value jinja_make_namespace(jinja_dict attrs);
jinja_value jinja_make_function(jinja_function fn);

jinja_value jinja_from_json(const nlohmann::json& j);

bool jinja_is_number(const jinja_value& v);  // int, float or bool, as Python's numbers.Number
double jinja_as_double(const jinja_value& v);
bool jinja_truthy(const jinja_value& v);
bool jinja_equal(const jinja_value& a, const jinja_value& b);
// Python's a < b; throws jinja_error for types Python refuses to order.
bool jinja_less(const jinja_value& a, const jinja_value& b);
std::string jinja_type_name(const jinja_value& v);

std::string jinja_str(const jinja_value& v);   // Python str(); undefined prints as ""
std::string jinja_repr(const jinja_value& v);  // Python repr()
std::string jinja_python_float(double f);      // Python repr() of a float
// json.dumps(v, ensure_ascii=False, indent=indent, separators=default, sort_keys=False).
std::string jinja_tojson(const jinja_value& v, int indent = -1);

// Items Python would iterate: list items, dict keys, string code points; undefined is empty.
jinja_list jinja_iterate(const jinja_value& v);

// UTF-8 helpers: Python indexes strings by code point.
std::vector<std::string> utf8_code_points(std::string_view s);
// Byte length of the leading Unicode whitespace (Python's str.isspace()) of s.
size_t py_space_prefix(std::string_view s);
// Python's str.strip/lstrip/rstrip: chars == nullptr strips Unicode whitespace.
std::string py_strip(std::string_view s, const std::string* chars, bool left, bool right);

}  // namespace clinote
