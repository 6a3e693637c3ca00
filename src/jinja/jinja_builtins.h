// What jinja2 (in transformers' ImmutableSandboxedEnvironment) provides to templates:
// attribute and item lookup (including the Python str/dict methods templates call),
// operators, filters, tests and the default globals.
#pragma once
#include <map>
#include <string>

#include "jinja/jinja_value.h"

namespace clinote {

// obj.name: a Python method of obj if it has one, else obj[name]; undefined if neither.
jinja_value jinja_get_attribute(const jinja_value& obj, const std::string& name);
// obj[key]: the item if there is one, else a method named key; undefined if neither.
jinja_value jinja_get_item(const jinja_value& obj, const jinja_value& key);
// obj[start:stop:step] on a list or string; null pointers are omitted bounds.
jinja_value jinja_slice(const jinja_value& obj, const jinja_value* start, const jinja_value* stop, const jinja_value* step);

// Binary operators other than and/or: + - * / // % ** ~ and the comparisons == != < > <= >= in.
jinja_value jinja_binary(const std::string& op, const jinja_value& a, const jinja_value& b);
jinja_value jinja_negate(const jinja_value& v);

jinja_value jinja_filter(const std::string& name, const jinja_value& value, const jinja_args& args);
bool jinja_test(const std::string& name, const jinja_value& value, const jinja_args& args);

// range, namespace, dict.
void jinja_add_default_globals(std::map<std::string, jinja_value>& globals);

// Raises the error jinja2 raises when an undefined value is used.
[[noreturn]] void jinja_fail_undefined(const jinja_value& v);

}  // namespace clinote
