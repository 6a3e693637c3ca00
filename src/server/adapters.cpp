#include "server/adapters.h"

#include <cctype>

#include "core/error.h"
#include "server/http_json.h"
#include "server/server_context.h"

namespace clinote {

namespace {

bool adapter_name_valid(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

}  // namespace

adapter_entry adapter_registry_load(adapter_registry& r, const model& m, const std::string& name, const std::string& path) {
    if (!adapter_name_valid(name))
        throw api_error(400, "invalid_field", "name: '" + name + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
    if (path.empty()) throw api_error(400, "invalid_field", "path: empty");
    adapter_entry e;
    e.name = name;
    e.path = path;
    try {
        e.adapter = std::make_shared<const lora_adapter>(lora_adapter_load(path, m));
    } catch (const clinote::error& err) {
        // The loader's message names the file and the problem.
        throw api_error(400, "invalid_adapter", err.what());
    }
    std::lock_guard<std::mutex> lock(r.mu);
    r.entries[name] = e;
    return e;
}

bool adapter_registry_remove(adapter_registry& r, const std::string& name) {
    std::lock_guard<std::mutex> lock(r.mu);
    return r.entries.erase(name) > 0;
}

std::vector<adapter_entry> adapter_registry_list(adapter_registry& r) {
    std::lock_guard<std::mutex> lock(r.mu);
    std::vector<adapter_entry> out;
    for (const auto& [name, e] : r.entries) out.push_back(e);
    return out;
}

nlohmann::json adapter_entry_json(const adapter_entry& e, const std::string& base_id) {
    nlohmann::json targets = nlohmann::json::array();
    for (lora_target t : e.adapter->config.targets) targets.push_back(lora_target_name(t));
    return {{"name", e.name},
            {"model", base_id + "+" + e.name},
            {"path", e.path},
            {"rank", e.adapter->config.rank},
            {"alpha", e.adapter->config.alpha},
            {"scale", lora_scale(e.adapter->config)},
            {"targets", targets}};
}

std::shared_ptr<const lora_adapter> adapter_for_model(adapter_registry& r, const std::string& base_id,
                                                      const std::string& requested) {
    if (requested == base_id) return nullptr;
    if (requested.size() <= base_id.size() + 1 || requested.compare(0, base_id.size() + 1, base_id + "+") != 0)
        throw api_error(404, "model_not_found",
                        "model: '" + requested + "' is not served here; this server has '" + base_id + "' and '" +
                            base_id + "+<adapter>' for each loaded adapter (GET /v1/models)");
    const std::string name = requested.substr(base_id.size() + 1);
    std::lock_guard<std::mutex> lock(r.mu);
    const auto it = r.entries.find(name);
    if (it == r.entries.end())
        throw api_error(404, "adapter_not_found",
                        "model: adapter '" + name + "' is not loaded (GET /api/adapters lists them; POST /api/adapters loads one)");
    return it->second.adapter;
}

void adapter_routes_add(httplib::Server& http, server_context& ctx) {
    http.Get("/api/adapters", [&ctx](const httplib::Request&, httplib::Response& res) {
        nlohmann::json list = nlohmann::json::array();
        for (const adapter_entry& e : adapter_registry_list(ctx.adapters)) list.push_back(adapter_entry_json(e, ctx.host.id));
        reply_json(res, {{"object", "list"}, {"data", list}});
    });
    // Loads or replaces; jobs already accepted keep the adapter they were accepted with.
    http.Post("/api/adapters", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        const std::string name = json_string_required(body, "name");
        const std::string path = json_string_required(body, "path");
        bool replaced = false;
        {
            std::lock_guard<std::mutex> lock(ctx.adapters.mu);
            replaced = ctx.adapters.entries.count(name) > 0;
        }
        nlohmann::json out = adapter_entry_json(adapter_registry_load(ctx.adapters, *ctx.host.m, name, path), ctx.host.id);
        out["replaced"] = replaced;
        reply_json(res, out, replaced ? 200 : 201);
    });
    http.Delete(R"(/api/adapters/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const std::string name = req.matches[1].str();
        if (!adapter_registry_remove(ctx.adapters, name))
            throw api_error(404, "adapter_not_found", "adapter '" + name + "': not loaded");
        reply_json(res, {{"deleted", true}, {"name", name}});
    });
}

}  // namespace clinote
