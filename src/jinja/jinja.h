// A Jinja2 subset: the syntax tree, the parser (with jinja2's lexer rules under
// trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False) and the renderer.
// Errors are jinja_error with the 1-based line and column of the offending construct.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jinja/jinja_value.h"

namespace clinote {

struct jinja_expr;
using jinja_expr_ptr = std::unique_ptr<jinja_expr>;

enum class jinja_expr_kind {
    literal,    // value
    name,       // name
    list,       // items
    tuple,      // items
    dict,       // items: key, value, key, value, ...
    attribute,  // object.name
    item,       // object[items[0]]
    slice,      // object[items[0]:items[1]:items[2]] (null = omitted)
    call,       // object(items..., keywords...)
    filter,     // object | name(items..., keywords...)
    test,       // object is [not] name(items...)
    unary,      // name in {"not", "-", "+"} applied to object
    binary,     // items[0] name items[1]
    compare,    // object (ops[i] items[i])...
    condition,  // items[0] if items[1] else items[2] (items[2] may be null)
};

struct jinja_expr {
    jinja_expr_kind kind;
    int line = 0;
    int column = 0;
    jinja_value value;
    std::string name;
    bool negated = false;  // `is not`
    jinja_expr_ptr object;
    std::vector<jinja_expr_ptr> items;
    std::vector<std::pair<std::string, jinja_expr_ptr>> keywords;
    std::vector<std::string> ops;
};

struct jinja_node;
using jinja_body = std::vector<std::unique_ptr<jinja_node>>;

enum class jinja_node_kind { text, output, if_, for_, set, set_block, macro, break_, continue_, scope };

struct jinja_node {
    jinja_node_kind kind;
    int line = 0;
    int column = 0;
    std::string text;                    // text; macro name
    jinja_expr_ptr expr;                 // output; set value; for iterable
    jinja_expr_ptr filter;               // for ... if filter
    std::vector<std::string> targets;    // set / for target names; macro parameter names
    std::string target_attribute;        // set ns.attr
    std::vector<jinja_expr_ptr> conditions;  // if / elif conditions, one per branch
    std::vector<jinja_body> branches;        // if: one per condition (+ else); for: body (+ else); others: body
    std::vector<jinja_expr_ptr> defaults;    // macro parameter defaults (null = required)
};

struct jinja_template {
    jinja_body body;
};

std::unique_ptr<jinja_template> jinja_parse(std::string_view source);

// Renders with `globals` as the template's top-level variables.
std::string jinja_render(const jinja_template& tmpl, const std::map<std::string, jinja_value>& globals);

}  // namespace clinote
