#include "notes/json_schema_validate.h"

#include <cmath>
#include <set>

#include "core/error.h"
#include "core/json_int.h"
#include "core/json_pointer.h"

namespace clinote {

namespace {

const std::set<std::string> known_keywords = {
    "type", "properties", "required", "additionalProperties", "items", "enum", "const", "minimum",
    "maximum", "minLength", "maxLength", "minItems", "maxItems",
    "title", "description", "$schema", "$id", "$comment", "examples", "default", "format",
    "deprecated", "readOnly", "writeOnly"};

bool has_type(const nlohmann::json& v, const std::string& type) {
    if (type == "null") return v.is_null();
    if (type == "boolean") return v.is_boolean();
    if (type == "string") return v.is_string();
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "number") return v.is_number();
    if (type == "integer")  // 2020-12: a number with a zero fractional part is an integer
        return v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                         std::trunc(v.get<double>()) == v.get<double>());
    return false;
}

size_t code_points(const std::string& s) {
    size_t n = 0;
    for (char ch : s) n += (uint8_t(ch) & 0xC0) != 0x80;
    return n;
}

struct validator {
    std::vector<schema_error> errors;

    void add(const std::string& path, const char* keyword, std::string message) {
        errors.push_back({path, keyword, std::move(message)});
    }

    void check(const nlohmann::json& s, const std::string& spath, const nlohmann::json& v, const std::string& path) {
        if (!s.is_object()) fail("json schema " + (spath.empty() ? "/" : spath), "a schema must be an object");
        for (auto it = s.begin(); it != s.end(); ++it)
            if (!known_keywords.count(it.key())) fail("json schema " + spath + "/" + json_pointer_escape(it.key()), "unsupported keyword");

        if (s.contains("type")) {
            const nlohmann::json& t = s["type"];
            const std::vector<std::string> types = t.is_array() ? t.get<std::vector<std::string>>() : std::vector<std::string>{t.get<std::string>()};
            bool ok = false;
            for (const std::string& type : types) ok = ok || has_type(v, type);
            if (!ok) add(path, "type", v.dump() + " is not of type " + t.dump());
        }
        if (s.contains("enum")) {
            bool found = false;
            for (const auto& e : s["enum"]) found = found || e == v;
            if (!found) add(path, "enum", v.dump() + " is not one of " + s["enum"].dump());
        }
        if (s.contains("const") && s["const"] != v) add(path, "const", v.dump() + " is not " + s["const"].dump());
        if (v.is_number()) {
            const double x = v.get<double>();
            if (s.contains("minimum") && x < s["minimum"].get<double>())
                add(path, "minimum", v.dump() + " is less than the minimum of " + s["minimum"].dump());
            if (s.contains("maximum") && x > s["maximum"].get<double>())
                add(path, "maximum", v.dump() + " is greater than the maximum of " + s["maximum"].dump());
        }
        if (v.is_string()) {
            const size_t n = code_points(v.get_ref<const std::string&>());
            if (s.contains("minLength") && n < json_int<size_t>(s["minLength"], "json schema minLength"))
                add(path, "minLength", v.dump() + " is shorter than " + s["minLength"].dump() + " characters");
            if (s.contains("maxLength") && n > json_int<size_t>(s["maxLength"], "json schema maxLength"))
                add(path, "maxLength", v.dump() + " is longer than " + s["maxLength"].dump() + " characters");
        }
        if (v.is_array()) {
            if (s.contains("minItems") && v.size() < json_int<size_t>(s["minItems"], "json schema minItems"))
                add(path, "minItems", "has fewer than " + s["minItems"].dump() + " items");
            if (s.contains("maxItems") && v.size() > json_int<size_t>(s["maxItems"], "json schema maxItems"))
                add(path, "maxItems", "has more than " + s["maxItems"].dump() + " items");
            if (s.contains("items"))
                for (size_t i = 0; i < v.size(); i++) check(s["items"], spath + "/items", v[i], path + "/" + std::to_string(i));
        }
        if (v.is_object()) {
            if (s.contains("required"))
                for (const auto& r : s["required"])
                    if (!v.contains(r.get<std::string>())) add(path, "required", r.dump() + " is a required property");
            const nlohmann::json props = s.value("properties", nlohmann::json::object());
            const bool closed = s.contains("additionalProperties") && s["additionalProperties"] == false;
            for (auto it = v.begin(); it != v.end(); ++it) {
                if (props.contains(it.key()))
                    check(props[it.key()], spath + "/properties/" + json_pointer_escape(it.key()), it.value(), path + "/" + json_pointer_escape(it.key()));
                else if (closed)
                    add(path, "additionalProperties", "additional property " + nlohmann::json(it.key()).dump() + " is not allowed");
            }
            if (s.contains("additionalProperties") && !s["additionalProperties"].is_boolean())
                fail("json schema " + spath + "/additionalProperties", "only true or false is supported");
        }
    }
};

}  // namespace

std::vector<schema_error> json_schema_validate(const nlohmann::json& schema, const nlohmann::json& instance) {
    validator val;
    val.check(schema, "", instance, "");
    return val.errors;
}

}  // namespace clinote
