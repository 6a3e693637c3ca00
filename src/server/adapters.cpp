#include "server/adapters.h"

#include <cctype>

#include "core/error.h"
#include "server/http_json.h"
#include "server/server_context.h"

namespace clinote {

bool adapter_name_valid(const std::string& name) {
    if (name.empty() || name.size() > 64 || name[0] == '.') return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

adapter_entry adapter_registry_load(adapter_registry& r, const model& m, const std::string& base_id,
                                    const std::string& name, const std::string& path) {
    if (!adapter_name_valid(name))
        throw api_error(400, "invalid_field", "name: '" + name + "' must be 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'");
    if (path.empty()) throw api_error(400, "invalid_field", "path: empty");
    adapter_entry e;
    e.name = name;
    e.base = base_id;
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

nlohmann::json adapter_entry_json(const adapter_entry& e) {
    nlohmann::json targets = nlohmann::json::array();
    for (lora_target t : e.adapter->config.targets) targets.push_back(lora_target_name(t));
    return {{"name", e.name},
            {"base", e.base},
            {"model", e.base + "+" + e.name},
            {"path", e.path},
            {"rank", e.adapter->config.rank},
            {"alpha", e.adapter->config.alpha},
            {"scale", lora_scale(e.adapter->config)},
            {"targets", targets}};
}

model_choice model_choice_resolve(const model_host& h, adapter_registry& r, const std::string& requested) {
    const size_t plus = requested.find('+');
    const std::string base_id = requested.substr(0, plus);
    const int64_t base = model_host_find(h, base_id);
    if (base < 0) {
        std::string known;
        for (const base_model& b : h.bases) known += (known.empty() ? "'" : ", '") + b.id + "'";
        throw api_error(404, "model_not_found",
                        "model: '" + requested + "' is not served here; this server has " + known +
                            " and '<base>+<adapter>' for each loaded adapter (GET /v1/models)");
    }
    model_choice c;
    c.base = size_t(base);
    c.name = requested;
    if (plus == std::string::npos) return c;
    const std::string name = requested.substr(plus + 1);
    std::lock_guard<std::mutex> lock(r.mu);
    const auto it = r.entries.find(name);
    if (it == r.entries.end())
        throw api_error(404, "adapter_not_found",
                        "model: adapter '" + name + "' is not loaded (GET /api/adapters lists them; POST /api/adapters loads one)");
    if (it->second.base != base_id)
        throw api_error(400, "adapter_base_mismatch",
                        "model: adapter '" + name + "' was made for base '" + it->second.base + "', not '" + base_id +
                            "' (use '" + it->second.base + "+" + name + "')");
    c.adapter = it->second.adapter;
    return c;
}

model_choice model_choice_default(const model_host& h, adapter_registry& r, const std::string& adapter) {
    const std::string base = model_host_default(h).id;
    return model_choice_resolve(h, r, adapter.empty() ? base : base + "+" + adapter);
}

nlohmann::json job_result_wait(server_context& ctx, const std::shared_ptr<job>& j) {
    if (!j) throw_queue_full(ctx);
    std::vector<std::string> ignored;
    while (!job_wait(*j, 1000, ignored)) ignored.clear();
    std::lock_guard<std::mutex> lock(j->mu);
    if (j->state == job_state::failed) throw api_error(j->error_status, "job_failed", j->error);
    if (j->state == job_state::cancelled) throw api_error(503, "shutting_down", "the server is shutting down");
    return j->result;
}

namespace {

// Work that needs a base in memory (loading an adapter for it, switching to it) goes
// through the queue like any job, so it waits for the running job; the request is answered
// once it has run.
nlohmann::json queue_and_wait(server_context& ctx, const char* kind, std::function<nlohmann::json(job&)> run) {
    return job_result_wait(ctx, job_queue_submit(ctx.queue, kind, 0, std::move(run)));
}

size_t base_require(const model_host& h, const std::string& id) {
    const int64_t i = model_host_find(h, id);
    if (i < 0) throw api_error(404, "model_not_found", "name: base model '" + id + "' is not served here (GET /v1/models)");
    return size_t(i);
}

}  // namespace

nlohmann::json model_host_json(const model_host& h) {
    return {{"loaded", h.bases[h.loaded].id}, {"default", model_host_default(h).id}, {"switches", int64_t(h.switches)}};
}

void adapter_routes_add(httplib::Server& http, server_context& ctx) {
    http.Get("/api/adapters", [&ctx](const httplib::Request&, httplib::Response& res) {
        nlohmann::json list = nlohmann::json::array();
        for (const adapter_entry& e : adapter_registry_list(ctx.adapters)) list.push_back(adapter_entry_json(e));
        reply_json(res, {{"object", "list"}, {"data", list}});
    });
    // Loads or replaces, for "base" (default: the default base); jobs already accepted keep
    // the adapter they were accepted with.
    http.Post("/api/adapters", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        const std::string name = json_string_required(body, "name");
        // Training runs write their adapters under the runs folder, so those may be loaded too.
        const std::string path = json_path_inside(body, "path", {ctx.opt.adapter_dir, ctx.opt.train_dir});
        const size_t base = base_require(ctx.host, json_string(body, "base", model_host_default(ctx.host).id));
        bool replaced = false;
        {
            std::lock_guard<std::mutex> lock(ctx.adapters.mu);
            replaced = ctx.adapters.entries.count(name) > 0;
        }
        nlohmann::json out = queue_and_wait(ctx, "adapter.load", [&ctx, base, name, path](job&) {
            const model& m = model_host_require(ctx.host, base);
            return adapter_entry_json(adapter_registry_load(ctx.adapters, m, ctx.host.bases[base].id, name, path));
        });
        out["replaced"] = replaced;
        reply_json(res, out, replaced ? 200 : 201);
    });
    http.Delete(R"(/api/adapters/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const std::string name = req.matches[1].str();
        if (!adapter_registry_remove(ctx.adapters, name))
            throw api_error(404, "adapter_not_found", "adapter '" + name + "': not loaded");
        reply_json(res, {{"deleted", true}, {"name", name}});
    });
    http.Get("/api/model", [&ctx](const httplib::Request&, httplib::Response& res) {
        reply_json(res, model_host_json(ctx.host));
    });
    // Makes "name" the default base and loads it, after the jobs already queued.
    http.Post("/api/model", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        const size_t base = base_require(ctx.host, json_string_required(body, "name"));
        ctx.host.default_base = base;
        queue_and_wait(ctx, "model.load", [&ctx, base](job&) {
            model_host_require(ctx.host, base);
            return nlohmann::json::object();
        });
        reply_json(res, model_host_json(ctx.host));
    });
}

}  // namespace clinote
