// "Improve from my notes" over HTTP (improve/improve.h): POST /api/improve starts a run in the
// one job queue on the default base, from the adapter notes are written with; GET /api/improve
// shows its phase and progress (training steps, then the held-back notes each adapter writes,
// with an ETA), its result or error, and every version with its scores; DELETE cancels it;
// POST /api/improve/use {"version"} makes an earlier version current (0: none). While the vault
// is unlocked its current version is served as "<base>+clinic" and is the scribe's default.
#include <chrono>
#include <filesystem>

#include "core/error.h"
#include "improve/improve.h"
#include "scribe/note_write.h"
#include "server/http_json.h"
#include "server/server_context.h"
#include "train/trainer.h"

namespace clinote {

struct improve_job {
    std::shared_ptr<job> j;
    nlohmann::json options;
    std::mutex mu;  // guards the three below
    improve_progress progress;
    std::chrono::steady_clock::time_point phase_started = std::chrono::steady_clock::now();
    bool started = false;
};

namespace {

const char* const k_clinic = "clinic";

nlohmann::json versions_json(vault& v) {
    nlohmann::json list = nlohmann::json::array();
    for (const adapter_version_record& r : vault_adapter_version_list(v)) {
        const nlohmann::json scores = nlohmann::json::parse(r.scores, nullptr, false);
        list.push_back({{"version", r.version},
                        {"base", r.base},
                        {"parent", r.parent ? nlohmann::json(*r.parent) : nlohmann::json()},
                        {"decision", r.decision},
                        {"scores", scores.is_discarded() ? nlohmann::json() : scores},
                        {"created_at", r.created_at}});
    }
    const std::optional<int64_t> current = vault_adapter_version_current(v);
    return {{"data", list}, {"current", current ? nlohmann::json(*current) : nlohmann::json()}};
}

nlohmann::json improve_json(server_context& ctx, improve_job& run) {
    nlohmann::json out = {{"job_id", run.j->id}, {"state", job_state_name(job_get_state(*run.j))},
                          {"position", job_queue_position(ctx.queue, *run.j)}, {"options", run.options}};
    {
        std::lock_guard<std::mutex> lock(run.mu);
        out["phase"] = run.started ? nlohmann::json(run.progress.phase) : nlohmann::json();
        out["done"] = run.progress.done;
        out["total"] = run.progress.total;
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - run.phase_started).count();
        // This phase's time left at its pace so far.
        out["phase_eta_s"] = run.progress.done > 0 ? nlohmann::json(elapsed / double(run.progress.done) *
                                                                    double(run.progress.total - run.progress.done))
                                                   : nlohmann::json();
    }
    std::lock_guard<std::mutex> lock(run.j->mu);
    if (run.j->state == job_state::failed) out["error"] = run.j->error;
    if (run.j->result.is_object()) out["result"] = run.j->result;
    return out;
}

}  // namespace

std::string note_adapter_default(server_context& ctx) {
    std::lock_guard<std::mutex> lock(ctx.adapters.mu);
    const auto it = ctx.adapters.entries.find(k_clinic);
    if (it != ctx.adapters.entries.end() && it->second.base == model_host_default(ctx.host).id) return k_clinic;
    return ctx.opt.note_adapter;
}

void clinic_adapter_sync(server_context& ctx, const model& m, size_t base) {
    std::optional<lora_adapter> current;
    std::optional<int64_t> version;
    {
        std::lock_guard<std::mutex> lock(ctx.vault_mu);
        if (ctx.vault && !vault_is_locked(*ctx.vault)) {
            version = vault_adapter_version_current(*ctx.vault);
            if (version) current = improve_current_adapter(*ctx.vault, m, std::filesystem::path(m.path).filename().string());
        }
    }
    if (!current) {
        adapter_registry_remove(ctx.adapters, k_clinic);
        return;
    }
    adapter_entry e;
    e.name = k_clinic;
    e.base = ctx.host.bases[base].id;
    e.path = "vault: adapter version " + std::to_string(*version);
    e.adapter = std::make_shared<const lora_adapter>(std::move(*current));
    std::lock_guard<std::mutex> lock(ctx.adapters.mu);
    ctx.adapters.entries[k_clinic] = e;
}

std::shared_ptr<job> clinic_adapter_refresh(server_context& ctx) {
    const size_t base = ctx.host.default_base;
    return job_queue_submit(ctx.queue, "adapter.load", 0, [&ctx, base](job&) {
        clinic_adapter_sync(ctx, model_host_require(ctx.host, base), base);
        return nlohmann::json::object();
    });
}

void improve_routes_add(httplib::Server& http, server_context& ctx) {
    http.Post("/api/improve", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        vault_require(ctx);
        {
            std::lock_guard<std::mutex> lock(ctx.improve_mu);
            if (ctx.improve && (job_get_state(*ctx.improve->j) == job_state::queued ||
                                job_get_state(*ctx.improve->j) == job_state::running))
                throw api_error(409, "improve_running", "improve: a run is already under way (GET /api/improve)");
        }
        const size_t base = ctx.host.default_base;
        const base_model& b = ctx.host.bases[base];
        if (!b.has_tokenizer) throw api_error(409, "no_tokenizer", "model: has no tokenizer, which training needs");
        improve_options o;
        o.template_name = json_string(body, "template", "");
        o.since = json_string(body, "since", "");
        if (!o.since.empty() && (o.since.size() != 10 || o.since[4] != '-' || o.since[7] != '-'))
            throw api_error(400, "invalid_field", "since: a date, YYYY-MM-DD");
        o.hold_back = json_number(body, "hold_back", o.hold_back, 0.01, 0.9);
        o.steps = json_integer(body, "steps", o.steps, 1, 100000);
        o.lr = float(json_number(body, "lr", o.lr, 1e-8, 1.0));
        o.batch = json_integer(body, "batch", o.batch, 1, 256);
        o.max_seq = json_integer(body, "max_seq", std::min<int64_t>(o.max_seq, b.n_ctx), 8, b.n_ctx);
        o.lora.rank = int(json_integer(body, "rank", 8, 1, 256));
        o.lora.alpha = 2.0f * float(o.lora.rank);
        o.seed = uint64_t(json_integer(body, "seed", 0, 0, INT64_MAX));
        o.note_params = note_params_default();
        o.note_params.sampling.temperature = 0;
        o.note_params.max_tokens = int(json_integer(body, "max_tokens", o.note_params.max_tokens, 1, b.n_ctx));
        o.n_ctx = b.n_ctx;
        o.base_name = std::filesystem::path(b.path).filename().string();
        o.base_bf16 = trainer_base_bf16_choose("auto", "matmul");
        o.progress = false;
        // Before the vault has a version, the candidate starts from the adapter notes are
        // written with (the shipped clinical adapter), held for the job's life.
        std::shared_ptr<const lora_adapter> start;
        std::string start_name;
        if (!ctx.opt.note_adapter.empty()) {
            std::lock_guard<std::mutex> lock(ctx.adapters.mu);
            const auto it = ctx.adapters.entries.find(ctx.opt.note_adapter);
            if (it != ctx.adapters.entries.end() && it->second.base == b.id) start = it->second.adapter, start_name = it->first;
        }
        auto run = std::make_shared<improve_job>();
        run->options = {{"template", o.template_name}, {"since", o.since}, {"hold_back", o.hold_back},
                        {"steps", o.steps}, {"lr", o.lr}, {"batch", o.batch}, {"max_seq", o.max_seq},
                        {"rank", o.lora.rank}, {"seed", o.seed}, {"max_tokens", o.note_params.max_tokens}};
        std::weak_ptr<improve_job> weak = run;
        run->j = job_queue_submit(ctx.queue, "improve", 0, [&ctx, weak, base, o, start, start_name](job& j) {
            const auto r = weak.lock();
            if (!r) return nlohmann::json();
            // This run's options, with callbacks that hold the run: they end with the call (kept
            // in the job's function, they would keep the run and its job alive for ever).
            improve_options run_options = o;
            run_options.start = start.get();
            run_options.start_name = start_name;
            run_options.stop = &j.cancel_requested;
            run_options.on_progress = [r](const improve_progress& p) {
                std::lock_guard<std::mutex> lock(r->mu);
                if (p.phase != r->progress.phase) r->phase_started = std::chrono::steady_clock::now();
                r->progress = p;
            };
            {
                std::lock_guard<std::mutex> lock(r->mu);
                r->started = true;
                r->phase_started = std::chrono::steady_clock::now();
            }
            const model& m = model_host_require(ctx.host, base);
            const improve_result res = improve_run(vault_require(ctx), m, run_options, ctx.lexicons);
            if (res.promoted) clinic_adapter_sync(ctx, m, base);
            nlohmann::json out = res.json();
            if (res.promoted) out["model"] = ctx.host.bases[base].id + "+" + k_clinic;
            return out;
        });
        if (!run->j) throw_queue_full(ctx);
        {
            std::lock_guard<std::mutex> lock(ctx.improve_mu);
            ctx.improve = run;
        }
        reply_json(res, improve_json(ctx, *run), 202);
    });
    http.Get("/api/improve", [&ctx](const httplib::Request&, httplib::Response& res) {
        std::shared_ptr<improve_job> run;
        {
            std::lock_guard<std::mutex> lock(ctx.improve_mu);
            run = ctx.improve;
        }
        nlohmann::json out = {{"run", run ? improve_json(ctx, *run) : nlohmann::json()}};
        out["versions"] = versions_json(vault_require(ctx));
        reply_json(res, out);
    });
    http.Delete("/api/improve", [&ctx](const httplib::Request&, httplib::Response& res) {
        std::shared_ptr<improve_job> run;
        {
            std::lock_guard<std::mutex> lock(ctx.improve_mu);
            run = ctx.improve;
        }
        if (!run) throw api_error(404, "not_found", "improve: no run to cancel");
        job_queue_cancel(ctx.queue, *run->j);
        reply_json(res, improve_json(ctx, *run));
    });
    http.Post("/api/improve/use", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        const int64_t version = json_integer(body, "version", 0, 0, INT64_MAX);
        try {
            vault_adapter_version_use(vault_require(ctx), version);
        } catch (const clinote::error& e) {
            throw api_error(std::string(e.what()).find("no adapter version") != std::string::npos ? 404 : 409,
                            "invalid_version", e.what());
        }
        job_result_wait(ctx, clinic_adapter_refresh(ctx));
        reply_json(res, versions_json(vault_require(ctx)));
    });
}

}  // namespace clinote
