#include "eval/jsonl_texts.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/utf8.h"

namespace clinote {

std::vector<jsonl_text> jsonl_texts_read(const std::string& path, const std::string& field) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "cannot open");
    std::vector<jsonl_text> out;
    std::string line;
    for (size_t n = 1; std::getline(in, line); n++) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(n);
        utf8_require(line, where);
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception& e) {
            fail(where, std::string("malformed JSON (") + e.what() + ")");
        }
        if (!j.is_object()) fail(where, "expected a JSON object such as {\"" + field + "\": \"...\"}");
        const auto it = j.find(field);
        if (it == j.end()) fail(where, "missing field \"" + field + "\"");
        if (!it->is_string()) fail(where, "field \"" + field + "\" is not a string");
        out.push_back({n, it->get<std::string>()});
    }
    if (in.bad()) fail(path, "read error");
    return out;
}

}  // namespace clinote
