#include "server/http_json.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/utf8.h"

namespace clinote {

namespace {

std::string error_type(int status) {
    if (status == 401) return "authentication_error";
    if (status == 404) return "not_found_error";
    if (status == 503) return "overloaded_error";
    return status >= 500 ? "server_error" : "invalid_request_error";
}

}  // namespace

nlohmann::json error_body(int status, const std::string& code, const std::string& message) {
    return {{"error", {{"message", message}, {"type", error_type(status)}, {"code", code}}}};
}

void reply_error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
    reply_json(res, error_body(status, code, message), status);
}

void reply_json(httplib::Response& res, const nlohmann::json& body, int status) {
    res.status = status;
    // Invalid UTF-8 from a model (a cut multi-byte character) must not abort the reply.
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

nlohmann::json json_body_parse(const httplib::Request& req) {
    // Only application/json: browsers send text/plain, form and multipart bodies to any site
    // without asking first, JSON only after a CORS preflight this server does not grant.
    std::string type = req.get_header_value("Content-Type");
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    for (char& c : type) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (type != "application/json")
        throw api_error(415, "unsupported_media_type",
                        "Content-Type: must be application/json" +
                            (type.empty() ? std::string(" (none given)") : " (got " + type + ")"));
    if (!utf8_valid(req.body)) throw api_error(400, "invalid_json", "body: not UTF-8");
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded()) throw api_error(400, "invalid_json", "body: malformed JSON");
    if (!body.is_object()) throw api_error(400, "invalid_json", "body: must be a JSON object");
    return body;
}

std::string json_string(const nlohmann::json& body, const std::string& key, const std::string& fallback) {
    if (!body.contains(key) || body[key].is_null()) return fallback;
    if (!body[key].is_string()) throw api_error(400, "invalid_field", key + ": must be a string");
    return body[key].get<std::string>();
}

std::string json_string_required(const nlohmann::json& body, const std::string& key) {
    if (!body.contains(key) || body[key].is_null()) throw api_error(400, "missing_field", key + ": required");
    return json_string(body, key, "");
}

double json_number(const nlohmann::json& body, const std::string& key, double fallback, double lo, double hi) {
    if (!body.contains(key) || body[key].is_null()) return fallback;
    if (!body[key].is_number()) throw api_error(400, "invalid_field", key + ": must be a number");
    const double v = body[key].get<double>();
    if (!(v >= lo && v <= hi))
        throw api_error(400, "invalid_field", key + ": must be between " + nlohmann::json(lo).dump() + " and " +
                                                  nlohmann::json(hi).dump());
    return v;
}

int64_t json_integer(const nlohmann::json& body, const std::string& key, int64_t fallback, int64_t lo, int64_t hi) {
    if (!body.contains(key) || body[key].is_null()) return fallback;
    if (!body[key].is_number_integer()) throw api_error(400, "invalid_field", key + ": must be an integer");
    const int64_t v = body[key].is_number_unsigned() && body[key].get<uint64_t>() > uint64_t(INT64_MAX)
                          ? INT64_MAX
                          : body[key].get<int64_t>();
    if (v < lo || v > hi)
        throw api_error(400, "invalid_field",
                        key + ": must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return v;
}

bool json_bool(const nlohmann::json& body, const std::string& key, bool fallback) {
    if (!body.contains(key) || body[key].is_null()) return fallback;
    if (!body[key].is_boolean()) throw api_error(400, "invalid_field", key + ": must be true or false");
    return body[key].get<bool>();
}

std::string json_path_inside(const nlohmann::json& body, const std::string& key, const std::vector<std::string>& folders) {
    namespace fs = std::filesystem;
    const std::string path = json_string_required(body, key);
    std::string names;
    for (const std::string& f : folders) names += (names.empty() ? "" : " or ") + f;
    const api_error outside(400, "path_not_allowed", key + ": must be inside " + names);
    if (path.empty()) throw outside;
    std::error_code ec, ec_root;
    // weakly_canonical: a missing file inside a folder is the loader's error to name; its
    // existing ancestors, symlinks included, are resolved before the comparison.
    const fs::path resolved = fs::weakly_canonical(fs::absolute(path), ec);
    for (const std::string& f : folders) {
        const fs::path root = fs::weakly_canonical(fs::absolute(f), ec_root);
        const auto [r, p] = std::mismatch(root.begin(), root.end(), resolved.begin(), resolved.end());
        if (!ec && !ec_root && r == root.end()) return resolved.string();
    }
    throw outside;
}

int64_t path_id(const httplib::Request& req, size_t group) {
    try {
        return std::stoll(req.matches[group].str());
    } catch (const std::exception&) {
        throw api_error(404, "not_found", req.path + ": no such id");
    }
}

}  // namespace clinote
