// JSON Schema → grammar nodes. Each schema object becomes one node (a value of several types
// becomes a `choice` whose alternatives start with different bytes, so the matcher stays
// deterministic); impossible or unsupported constraints are refused here, not at generation.
#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.h"
#include "core/json_pointer.h"
#include "generate/grammar.h"
#include "generate/grammar_internal.h"

namespace clinote {

namespace {

const std::set<std::string> annotation_keywords = {
    "title", "description", "$schema", "$id", "$comment", "examples", "default", "format",
    "deprecated", "readOnly", "writeOnly"};
const std::set<std::string> assertion_keywords = {
    "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
    "enum", "const", "minimum", "maximum", "minLength", "maxLength"};

struct compiler {
    json_grammar g;
    std::vector<std::string> where;  // schema pointer per node, for errors found after compiling
    uint32_t any = UINT32_MAX;       // the node for any JSON value, made when first needed
};

[[noreturn]] void schema_fail(const std::string& pointer, const std::string& what) {
    fail("json schema " + (pointer.empty() ? std::string("/") : pointer), what);
}

uint32_t count_keyword(const nlohmann::ordered_json& s, const char* key, const std::string& ptr, uint32_t fallback) {
    if (!s.contains(key)) return fallback;
    const nlohmann::ordered_json& v = s[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > int64_t(UINT32_MAX) - 1)
        schema_fail(ptr + "/" + key, "must be a non-negative integer");
    return uint32_t(v.get<int64_t>());
}

// minimum/maximum as exact scaled integers; a decimal bound like 36.6 is rounded to the
// nearest multiple of 10^-6 first so binary floating point does not shift it by one step.
void numeric_bounds(const nlohmann::ordered_json& s, const std::string& ptr, grammar_node& n) {
    const double scale = n.kind == grammar_kind::number ? 1e6 : 1.0;
    for (const char* key : {"minimum", "maximum"}) {
        if (!s.contains(key)) continue;
        if (!s[key].is_number()) schema_fail(ptr + "/" + key, "must be a number");
        const double v = s[key].get<double>();
        if (std::fabs(v) > 1e15) schema_fail(ptr + "/" + key, "beyond the 15 digits numbers are written with");
        double scaled = v * scale;
        if (std::fabs(scaled - std::nearbyint(scaled)) < 1e-6) scaled = std::nearbyint(scaled);
        const bool is_min = key[1] == 'i';
        (is_min ? n.lo : n.hi) = __int128(is_min ? std::ceil(scaled) : std::floor(scaled));
        (is_min ? n.bounded_lo : n.bounded_hi) = true;
    }
    if (n.bounded_lo && n.bounded_hi && s["minimum"].get<double>() > s["maximum"].get<double>())
        schema_fail(ptr, "minimum is above maximum");
}

bool type_matches(const std::string& type, const nlohmann::ordered_json& v) {
    if (type == "null") return v.is_null();
    if (type == "boolean") return v.is_boolean();
    if (type == "string") return v.is_string();
    if (type == "integer") return v.is_number_integer() || (v.is_number_float() && std::trunc(v.get<double>()) == v.get<double>());
    if (type == "number") return v.is_number();
    if (type == "object") return v.is_object();
    return v.is_array();
}

uint32_t compile_schema(compiler& c, const nlohmann::ordered_json& s, const std::string& ptr);

uint32_t add_node(compiler& c, const std::string& ptr) {
    c.g.nodes.emplace_back();
    c.where.push_back(ptr);
    return uint32_t(c.g.nodes.size() - 1);
}

uint32_t compile_literals(compiler& c, std::vector<std::string> texts, const std::string& ptr) {
    std::sort(texts.begin(), texts.end());
    texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
    const uint32_t id = add_node(c, ptr);
    c.g.nodes[id].kind = grammar_kind::literals;
    c.g.nodes[id].literals = std::move(texts);
    return id;
}

uint32_t compile_any(compiler& c, const std::string& ptr);

// An object of any keys whose values follow `values` (any JSON value when null).
uint32_t compile_map(compiler& c, const nlohmann::ordered_json* values, const std::string& ptr) {
    const uint32_t id = add_node(c, ptr);
    const uint32_t keys = add_node(c, ptr);
    c.g.nodes[keys].kind = grammar_kind::string;
    const uint32_t child = values ? compile_schema(c, *values, ptr + "/additionalProperties") : compile_any(c, ptr);
    c.g.nodes[id].kind = grammar_kind::map;
    c.g.nodes[id].children = {child, keys};
    return id;
}

// Any JSON value: a choice of an object and an array whose values are this same node, a
// string, a number, true, false or null — the one cycle a grammar can have.
uint32_t compile_any(compiler& c, const std::string& ptr) {
    if (c.any != UINT32_MAX) return c.any;
    c.any = add_node(c, ptr);
    std::vector<uint32_t> alts;
    alts.push_back(compile_map(c, nullptr, ptr));
    const uint32_t array = add_node(c, ptr);
    c.g.nodes[array].kind = grammar_kind::array;
    c.g.nodes[array].children = {c.any};
    alts.push_back(array);
    for (grammar_kind kind : {grammar_kind::string, grammar_kind::number}) {
        alts.push_back(add_node(c, ptr));
        c.g.nodes[alts.back()].kind = kind;
    }
    alts.push_back(compile_literals(c, {"false", "null", "true"}, ptr));
    c.g.nodes[c.any].kind = grammar_kind::choice;
    c.g.nodes[c.any].children = std::move(alts);
    // Known now: nodes compiled later (with higher indices) may need it before the backward
    // pass reaches this one (an array of at least one item, a required property).
    c.g.nodes[c.any].shortest = "null";
    return c.any;
}

uint32_t compile_type(compiler& c, const nlohmann::ordered_json& s, const std::string& type, const std::string& ptr) {
    if (type == "null") return compile_literals(c, {"null"}, ptr);
    if (type == "boolean") return compile_literals(c, {"false", "true"}, ptr);
    if (type == "object" && !s.contains("properties")) {
        // No declared properties: any keys, their values of additionalProperties' schema.
        if (!s.contains("additionalProperties") || s["additionalProperties"] == true) return compile_map(c, nullptr, ptr);
        if (s["additionalProperties"].is_object()) return compile_map(c, &s["additionalProperties"], ptr);
    }
    const uint32_t id = add_node(c, ptr);
    grammar_node n;
    if (type == "string") {
        n.kind = grammar_kind::string;
        n.min_count = count_keyword(s, "minLength", ptr, 0);
        n.max_count = count_keyword(s, "maxLength", ptr, UINT32_MAX);
        if (n.min_count > n.max_count) schema_fail(ptr, "minLength is above maxLength");
    } else if (type == "integer" || type == "number") {
        n.kind = type == "integer" ? grammar_kind::integer : grammar_kind::number;
        numeric_bounds(s, ptr, n);
        grammar_frame start;
        if (!number_suffix(n, start, nullptr)) {
            start.negative = 1;
            start.phase = 1;
            if (!number_suffix(n, start, nullptr)) schema_fail(ptr, "no " + type + " within minimum/maximum can be written");
        }
    } else if (type == "array") {
        n.kind = grammar_kind::array;
        if (!s.contains("items")) schema_fail(ptr, "an array needs \"items\" (a schema for its elements)");
        n.min_count = count_keyword(s, "minItems", ptr, 0);
        n.max_count = count_keyword(s, "maxItems", ptr, UINT32_MAX);
        if (n.min_count > n.max_count) schema_fail(ptr, "minItems is above maxItems");
        n.children.push_back(compile_schema(c, s["items"], ptr + "/items"));
    } else if (type == "object") {
        n.kind = grammar_kind::object;
        if (s.contains("additionalProperties") && !s["additionalProperties"].is_boolean())
            schema_fail(ptr + "/additionalProperties", "with properties, only true or false is supported");
        const nlohmann::ordered_json props = s.value("properties", nlohmann::ordered_json::object());
        if (!props.is_object()) schema_fail(ptr + "/properties", "must be an object");
        std::vector<std::string> names;
        for (auto it = props.begin(); it != props.end(); ++it) names.push_back(it.key());
        std::set<std::string> required;
        if (s.contains("required")) {
            if (!s["required"].is_array()) schema_fail(ptr + "/required", "must be an array of property names");
            for (const auto& r : s["required"]) {
                if (!r.is_string()) schema_fail(ptr + "/required", "must be an array of property names");
                if (!props.contains(r.get<std::string>()))
                    schema_fail(ptr + "/required", "\"" + r.get<std::string>() + "\" is not in properties (only declared properties are written)");
                required.insert(r.get<std::string>());
            }
        }
        for (const std::string& name : names) {
            n.keys.push_back(nlohmann::ordered_json(name).dump() + ":");
            n.required.push_back(required.count(name) > 0);
            n.children.push_back(compile_schema(c, props[name], ptr + "/properties/" + json_pointer_escape(name)));
        }
        const size_t np = names.size();
        n.close_ok.assign(np + 1, 1);
        for (size_t i = np; i-- > 0;) n.close_ok[i] = n.close_ok[i + 1] && !n.required[i];
        n.key_choices.resize(np);
        for (size_t i = 0; i < np; i++) {
            for (size_t j = i; j < np; j++) {
                n.key_choices[i].emplace_back(n.keys[j], uint32_t(j));
                if (n.required[j]) break;
            }
            std::sort(n.key_choices[i].begin(), n.key_choices[i].end());
        }
    } else {
        schema_fail(ptr + "/type", "unknown type \"" + type + "\"");
    }
    c.g.nodes[id] = std::move(n);
    return id;
}

uint32_t compile_schema(compiler& c, const nlohmann::ordered_json& s, const std::string& ptr) {
    if (!s.is_object()) schema_fail(ptr, "a schema must be an object (boolean schemas are not supported)");
    for (auto it = s.begin(); it != s.end(); ++it)
        if (!annotation_keywords.count(it.key()) && !assertion_keywords.count(it.key()))
            schema_fail(ptr + "/" + json_pointer_escape(it.key()), "unsupported keyword");

    std::vector<std::string> types;
    if (s.contains("type")) {
        const nlohmann::ordered_json& t = s["type"];
        if (t.is_string()) types.push_back(t.get<std::string>());
        else if (t.is_array() && !t.empty())
            for (const auto& x : t) {
                if (!x.is_string()) schema_fail(ptr + "/type", "must be a type name or an array of them");
                types.push_back(x.get<std::string>());
            }
        else schema_fail(ptr + "/type", "must be a type name or an array of them");
    }

    if (s.contains("const") || s.contains("enum")) {
        if (s.contains("enum") && (!s["enum"].is_array() || s["enum"].empty()))
            schema_fail(ptr + "/enum", "must be a non-empty array");
        const nlohmann::ordered_json values = s.contains("const") ? nlohmann::ordered_json::array({s["const"]}) : s["enum"];
        std::vector<std::string> texts;
        for (const auto& v : values) {
            const bool typed = types.empty() || std::any_of(types.begin(), types.end(), [&](const std::string& t) { return type_matches(t, v); });
            if (typed) texts.push_back(v.dump());
        }
        if (texts.empty()) schema_fail(ptr + (s.contains("const") ? "/const" : "/enum"), "no value matches \"type\"");
        return compile_literals(c, std::move(texts), ptr);
    }
    if (types.empty()) return compile_any(c, ptr);
    // Every integer is a number: a value allowed to be either is compiled as a number.
    if (std::count(types.begin(), types.end(), "number") && std::count(types.begin(), types.end(), "integer"))
        types.erase(std::find(types.begin(), types.end(), "integer"));
    if (types.size() == 1) return compile_type(c, s, types[0], ptr);
    const uint32_t id = add_node(c, ptr);
    std::vector<uint32_t> alts;
    for (const std::string& t : types) alts.push_back(compile_type(c, s, t, ptr));
    c.g.nodes[id].kind = grammar_kind::choice;
    c.g.nodes[id].children = std::move(alts);
    return id;
}

}  // namespace

json_grammar json_grammar_compile(const nlohmann::ordered_json& schema) {
    compiler c;
    compile_schema(c, schema, "");
    json_grammar& g = c.g;
    // Children have higher indices than their parents, so one backward pass sees them first;
    // the exception, any value's object and array pointing back at it, needs neither its
    // first bytes nor its shortest value (those start with '{' or '[' and are {} and []).
    for (size_t i = g.nodes.size(); i-- > 0;) {
        grammar_node& n = g.nodes[i];
        if (n.kind == grammar_kind::choice) {
            for (uint32_t alt : n.children)
                for (int b = 0; b < 256; b++) {
                    if (g.nodes[alt].first_byte[b] && n.first_byte[b])
                        schema_fail(c.where[i] + "/type", "listed types must start with different characters (duplicate type?)");
                    n.first_byte[b] |= g.nodes[alt].first_byte[b];
                }
        } else {
            grammar_state probe;
            probe.grammar = &g;
            for (int b = 0; b < 256; b++) {
                probe.stack.assign(1, grammar_frame_open(g, uint32_t(i)));
                n.first_byte[b] = grammar_step(probe, uint8_t(b));
            }
        }
        n.shortest = grammar_node_shortest(g, uint32_t(i));
    }
    return g;
}

}  // namespace clinote
