#include "eval/structured_check.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "notes/json_schema_validate.h"

namespace clinote {

namespace {

std::string normalise_string(const std::string& s) {
    std::string out;
    bool space = false;
    for (unsigned char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { space = !out.empty(); continue; }
        if (space) out += ' ';
        space = false;
        out += char(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return out;
}

void collect(const nlohmann::json& v, const std::string& path, std::vector<std::string>& out) {
    if (v.is_object()) {
        for (const auto& [k, child] : v.items()) collect(child, path + "/" + k, out);
    } else if (v.is_array()) {
        for (const auto& child : v) collect(child, path + "/*", out);
    } else if (v.is_string()) {
        out.push_back(path + "=" + normalise_string(v.get<std::string>()));
    } else if (v.is_number()) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.15g", v.get<double>());
        out.push_back(path + "=" + buf);
    } else if (v.is_boolean()) {
        out.push_back(path + "=" + (v.get<bool>() ? "true" : "false"));
    }
}

std::string_view strip_fence(std::string_view t) {
    auto trim = [](std::string_view s) {
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
        return s;
    };
    t = trim(t);
    if (t.substr(0, 3) != "```" || t.size() < 6 || t.substr(t.size() - 3) != "```") return t;
    t = t.substr(3, t.size() - 6);
    if (t.substr(0, 4) == "json") t.remove_prefix(4);
    return trim(t);
}

}  // namespace

std::vector<std::string> json_leaf_fields(const nlohmann::json& value) {
    std::vector<std::string> out;
    collect(value, "", out);
    return out;
}

structured_result structured_check(std::string_view text, const nlohmann::json& schema,
                                   const std::optional<nlohmann::json>& reference) {
    structured_result r;
    nlohmann::json value;
    try {
        value = nlohmann::json::parse(strip_fence(text));
        r.parsed = true;
    } catch (const nlohmann::json::exception& e) {
        r.error = std::string("not JSON: ") + e.what();
        return r;
    }
    const std::vector<schema_error> errors = json_schema_validate(schema, value);
    r.schema_valid = errors.empty();
    if (!errors.empty()) r.error = errors.front().path + ": " + errors.front().message;
    if (!reference) return r;
    r.has_reference = true;
    const std::vector<std::string> got = json_leaf_fields(value), want = json_leaf_fields(*reference);
    std::map<std::string, int> remaining;
    for (const std::string& f : want) remaining[f]++;
    for (const std::string& f : got)
        if (remaining[f]-- > 0) r.matched_fields++;
    r.generated_fields = got.size();
    r.reference_fields = want.size();
    r.precision = got.empty() ? 0 : double(r.matched_fields) / double(got.size());
    r.recall = want.empty() ? 0 : double(r.matched_fields) / double(want.size());
    r.f1 = r.precision + r.recall > 0 ? 2 * r.precision * r.recall / (r.precision + r.recall) : 0;
    return r;
}

}  // namespace clinote
