// JSON over HTTP for every route: request bodies parsed and checked with errors that name
// the field, and one error shape ({"error":{"message","type","code"}}, as the OpenAI API
// answers) for every 4xx and 5xx.
#pragma once
#include <httplib.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace clinote {

// Thrown by handlers; the server turns it into a JSON error response with this status.
struct api_error : std::runtime_error {
    int status;
    std::string code;
    api_error(int status, std::string code, const std::string& message)
        : std::runtime_error(message), status(status), code(std::move(code)) {}
};

nlohmann::json error_body(int status, const std::string& code, const std::string& message);
void reply_error(httplib::Response& res, int status, const std::string& code, const std::string& message);
void reply_json(httplib::Response& res, const nlohmann::json& body, int status = 200);

// The request body as a JSON object; 400 "body: ..." when it is not UTF-8 or not a JSON object.
nlohmann::json json_body_parse(const httplib::Request& req);

// Typed fields of a request object: absent → fallback, wrong type or range → 400 naming the field.
std::string json_string(const nlohmann::json& body, const std::string& key, const std::string& fallback);
std::string json_string_required(const nlohmann::json& body, const std::string& key);
double json_number(const nlohmann::json& body, const std::string& key, double fallback, double lo, double hi);
int64_t json_integer(const nlohmann::json& body, const std::string& key, int64_t fallback, int64_t lo, int64_t hi);
bool json_bool(const nlohmann::json& body, const std::string& key, bool fallback);

// A file-naming field's path, canonical (symlinks resolved), when it lies inside one of
// `folders`; otherwise 400 "<field> must be inside <folders>", which says nothing about
// whether the file exists elsewhere.
std::string json_path_inside(const nlohmann::json& body, const std::string& key, const std::vector<std::string>& folders);

// A path segment matched by a route's (\d+) group, as an id.
int64_t path_id(const httplib::Request& req, size_t group);

}  // namespace clinote
