// Training runs started from the server: POST /api/training tokenises the dataset at once
// (bad data is a 400 naming file and line), then the run waits in the one job queue like
// any generation, so training never runs beside generation on the one model. Progress,
// loss history and ETA come from the run's own log.jsonl (written by the trainer after
// every step and validation); DELETE stops it after the step in progress (the trainer
// checkpoints, as on Ctrl-C). The finished run's best adapter can be loaded as an adapter,
// by name in the request ("adapter") or later with POST /api/adapters {name, path}.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include "core/error.h"
#include "core/utc_time.h"
#include "server/adapters.h"
#include "server/http_json.h"
#include "server/server_context.h"
#include "train/lora_init.h"
#include "train/trainer.h"

namespace clinote {

struct training_run {
    int64_t id = 0;
    std::string dataset, out_dir;
    std::vector<std::string> dropped;  // examples left out as longer than max_seq, by file:line
    std::string adapter_name;  // load the result as this adapter when done; empty: don't
    int64_t total_steps = 0;
    nlohmann::json options;     // the request's options, as used
    std::shared_ptr<job> j;

    std::mutex mu;  // guards started
    std::optional<std::chrono::steady_clock::time_point> started;
};

namespace {

std::vector<lora_target> targets_parse(const nlohmann::json& body) {
    std::vector<lora_target> out;
    if (!body.contains("targets")) return lora_config{}.targets;
    const nlohmann::json& list = body["targets"];
    if (!list.is_array()) throw api_error(400, "invalid_field", "targets: must be an array of layer names");
    for (const auto& name : list) {
        bool found = false;
        for (int t = 0; t < lora_target_count && name.is_string(); t++) {
            const std::string full = lora_target_name(lora_target(t));
            if (name == full || name == full.substr(0, full.size() - 5)) {  // "q" or "q_proj"
                out.push_back(lora_target(t));
                found = true;
            }
        }
        if (!found)
            throw api_error(400, "invalid_field", "targets: unknown layer " + name.dump() + " (q, k, v, o, gate, up, down)");
    }
    return out;
}


// The newest PEFT adapter the run has written: best (lowest validation loss), else last.
std::string run_adapter_path(const training_run& run) {
    for (const char* sub : {"best", "last"}) {
        const std::filesystem::path p = std::filesystem::path(run.out_dir) / sub;
        if (std::filesystem::exists(p / "adapter_config.json")) return p.string();
    }
    return "";
}

nlohmann::json run_json(server_context& ctx, training_run& run, bool with_history) {
    nlohmann::json train = nlohmann::json::array(), val = nlohmann::json::array();
    int64_t step = 0;
    double best = 0;
    bool has_best = false;
    std::ifstream log(run.out_dir + "/log.jsonl");
    std::string line;
    while (std::getline(log, line)) {
        // The trainer may be writing the last line right now: skip what does not parse yet.
        const nlohmann::json e = nlohmann::json::parse(line, nullptr, false);
        if (e.is_discarded() || !e.is_object() || !e.contains("step")) continue;
        if (e.contains("loss")) {
            step = e["step"].get<int64_t>();
            train.push_back({e["step"], e["loss"]});
        } else if (e.contains("val_loss") && e["val_loss"].is_number()) {
            val.push_back({e["step"], e["val_loss"]});
            if (!has_best || e["val_loss"].get<double>() < best) best = e["val_loss"].get<double>(), has_best = true;
        }
    }
    const job_state state = job_get_state(*run.j);
    double elapsed = 0;
    {
        std::lock_guard<std::mutex> lock(run.mu);
        if (run.started)
            elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - *run.started).count();
    }
    nlohmann::json out = {{"id", run.id},
                          {"job_id", run.j->id},
                          {"state", job_state_name(state)},
                          {"position", job_queue_position(ctx.queue, *run.j)},
                          {"dataset", run.dataset},
                          {"dropped", run.dropped},
                          {"out_dir", run.out_dir},
                          {"step", step},
                          {"total_steps", run.total_steps},
                          {"elapsed_s", elapsed},
                          {"options", run.options}};
    // Seconds left at the pace so far (the first validation included).
    if (state == job_state::running && step > 0)
        out["eta_s"] = elapsed / double(step) * double(run.total_steps - step);
    else
        out["eta_s"] = state == job_state::queued || state == job_state::running ? nlohmann::json() : nlohmann::json(0);
    out["best_val_loss"] = has_best ? nlohmann::json(best) : nlohmann::json();
    const std::string adapter = run_adapter_path(run);
    out["adapter_path"] = adapter.empty() ? nlohmann::json() : nlohmann::json(adapter);
    out["adapter"] = run.adapter_name.empty() ? nlohmann::json() : nlohmann::json(run.adapter_name);
    {
        std::lock_guard<std::mutex> lock(run.j->mu);
        if (state == job_state::failed) out["error"] = run.j->error;
        if (run.j->result.is_object()) out["result"] = run.j->result;
    }
    if (with_history) {
        out["train_loss"] = train;  // [[step, loss], ...]
        out["val_loss"] = val;      // [[step, val_loss], ...]
    }
    return out;
}

std::shared_ptr<training_run> run_find(server_context& ctx, const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(ctx.training_mu);
    const auto it = ctx.training_runs.find(path_id(req, 1));
    if (it == ctx.training_runs.end()) throw api_error(404, "not_found", "training run " + req.matches[1].str() + ": unknown");
    return it->second;
}

// Runs on the worker: trains, then loads the result as the named adapter.
nlohmann::json training_execute(server_context& ctx, training_run& run, job& j, size_t base, const train_dataset& data,
                                const lora_config& lora, trainer_options topt) {
    {
        std::lock_guard<std::mutex> lock(run.mu);
        run.started = std::chrono::steady_clock::now();
    }
    topt.stop = &j.cancel_requested;
    model& m = model_host_require(ctx.host, base);
    const trainer_result r = trainer_run(m, data, lora, topt);
    nlohmann::json out = {{"steps", r.steps},
                          {"best_step", r.best_step},
                          {"best_val_loss", r.best_step >= 0 ? nlohmann::json(r.best_val_loss) : nlohmann::json()},
                          {"stopped_early", r.stopped_early},
                          {"cancelled", r.interrupted},
                          {"adapter_path", run_adapter_path(run)}};
    if (!run.adapter_name.empty() && !r.interrupted) {
        const std::string& base_id = ctx.host.bases[base].id;
        adapter_registry_load(ctx.adapters, m, base_id, run.adapter_name, run_adapter_path(run));
        out["model"] = base_id + "+" + run.adapter_name;
    }
    return out;
}

}  // namespace

void training_routes_add(httplib::Server& http, server_context& ctx) {
    http.Post("/api/training", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        // Trains the default base (POST /api/model chooses it).
        const size_t base = ctx.host.default_base;
        const base_model& m = ctx.host.bases[base];
        if (!m.has_tokenizer) throw api_error(409, "no_tokenizer", "model: has no tokenizer, which training data needs");
        auto run = std::make_shared<training_run>();
        run->adapter_name = json_string(body, "adapter", "");
        // The name becomes a folder under the runs directory: letters, digits, '.', '_', '-' only,
        // checked before any work starts.
        if (!run->adapter_name.empty() && !adapter_name_valid(run->adapter_name))
            throw api_error(400, "invalid_field",
                            "adapter: 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'");
        // The data: a dataset folder on the server, or the two files uploaded by the page
        // ("train" and "valid": JSONL text, named by "train_name" / "valid_name").
        const bool uploaded = body.contains("train") || body.contains("valid");
        std::string train_name, valid_name;
        if (uploaded) {
            train_name = json_string(body, "train_name", "train.jsonl");
            valid_name = json_string(body, "valid_name", "valid.jsonl");
            run->dataset = "uploaded " + train_name + " + " + valid_name;
        } else {
            run->dataset = json_path_inside(body, "dataset", {ctx.opt.data_dir});
        }

        lora_config lora;
        lora.rank = int(json_integer(body, "rank", 8, 1, 256));
        lora.alpha = float(json_number(body, "alpha", 2.0 * lora.rank, 1e-3, 1e4));
        lora.dropout = float(json_number(body, "dropout", 0.05, 0.0, 0.9));
        lora.targets = targets_parse(body);
        try {
            lora_config_check(lora);
        } catch (const clinote::error& e) {
            throw api_error(400, "invalid_field", e.what());
        }

        trainer_options topt;
        topt.max_steps = json_integer(body, "steps", 100, 1, 1000000);
        topt.lr = float(json_number(body, "lr", 2e-4, 1e-8, 1.0));
        const std::string schedule = json_string(body, "schedule", "cosine");
        if (schedule != "cosine" && schedule != "linear" && schedule != "constant")
            throw api_error(400, "invalid_field", "schedule: must be cosine, linear or constant");
        topt.schedule = lr_schedule_from_name(schedule);
        topt.warmup = json_integer(body, "warmup", 0, 0, topt.max_steps);
        topt.grad_accum = json_integer(body, "grad_accum", 1, 1, 64);
        topt.batching.batch_size = json_integer(body, "batch", 4, 1, 256);
        topt.batching.max_seq = json_integer(body, "max_seq", std::min<int64_t>(1024, m.n_ctx), 8, m.n_ctx);
        topt.batching.pack = json_bool(body, "pack", false);
        topt.eval_every = json_integer(body, "eval_every", std::max<int64_t>(1, topt.max_steps / 10), 0, topt.max_steps);
        const std::string matmul = json_string(body, "matmul", "auto");
        try {
            topt.base_bf16 = trainer_base_bf16_choose(matmul, "matmul");
        } catch (const clinote::error& e) {
            throw api_error(400, "invalid_field", e.what());
        }
        topt.seed = uint64_t(json_integer(body, "seed", 0, 0, INT64_MAX));
        topt.batching.seed = topt.seed;
        topt.progress = false;
        topt.model_path = m.path;
        run->total_steps = topt.max_steps;
        run->options = {{"steps", topt.max_steps}, {"lr", topt.lr}, {"schedule", schedule}, {"warmup", topt.warmup},
                        {"grad_accum", topt.grad_accum}, {"batch", topt.batching.batch_size},
                        {"max_seq", topt.batching.max_seq}, {"pack", topt.batching.pack}, {"eval_every", topt.eval_every},
                        {"matmul", topt.base_bf16 ? "bf16" : "float"}, {"seed", topt.seed}, {"rank", lora.rank},
                        {"alpha", lora.alpha}, {"dropout", lora.dropout}};

        // Tokenised now, so bad data is this request's 400 and not a failed job later.
        train_data_options dopt;
        dopt.max_seq = topt.batching.max_seq;
        dopt.completion_only = !json_bool(body, "all_tokens", false);
        std::shared_ptr<const train_dataset> data;
        try {
            if (uploaded)
                data = std::make_shared<const train_dataset>(
                    train_dataset{train_split_parse(json_string_required(body, "train"), train_name, m.tok, dopt),
                                  train_split_parse(json_string_required(body, "valid"), valid_name, m.tok, dopt), {}});
            else
                data = std::make_shared<const train_dataset>(train_data_load(run->dataset, m.tok, dopt));
        } catch (const clinote::error& e) {
            throw api_error(400, "invalid_dataset", e.what());  // names the file and line
        }
        run->dropped = data->train.too_long;
        run->dropped.insert(run->dropped.end(), data->valid.too_long.begin(), data->valid.too_long.end());
        if (data->train.examples.empty())
            throw api_error(400, "invalid_field", run->dataset + ": no training example fits max_seq " +
                                                      std::to_string(topt.batching.max_seq));

        {
            std::lock_guard<std::mutex> lock(ctx.training_mu);
            run->id = ctx.next_training_id++;
        }
        run->out_dir = ctx.opt.train_dir + "/run-" + utc_time_text("%Y%m%d-%H%M%S") + "-" + std::to_string(run->id);
        topt.out_dir = run->out_dir;
        // Weak: the run holds its job, which holds this function.
        run->j = job_queue_submit(ctx.queue, "training", 0,
                                  [&ctx, weak = std::weak_ptr<training_run>(run), base, data, lora, topt](job& j) {
                                      const auto r = weak.lock();
                                      if (!r) return nlohmann::json();
                                      return training_execute(ctx, *r, j, base, *data, lora, topt);
                                  });
        if (!run->j) throw_queue_full(ctx);
        {
            std::lock_guard<std::mutex> lock(ctx.training_mu);
            ctx.training_runs[run->id] = run;
        }
        reply_json(res, run_json(ctx, *run, false), 202);
    });
    http.Get("/api/training", [&ctx](const httplib::Request&, httplib::Response& res) {
        std::vector<std::shared_ptr<training_run>> runs;
        {
            std::lock_guard<std::mutex> lock(ctx.training_mu);
            for (const auto& [id, run] : ctx.training_runs) runs.push_back(run);
        }
        nlohmann::json list = nlohmann::json::array();
        for (auto& run : runs) list.push_back(run_json(ctx, *run, false));
        reply_json(res, {{"object", "list"}, {"data", list}});
    });
    http.Get(R"(/api/training/(\d+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
        reply_json(res, run_json(ctx, *run_find(ctx, req), true));
    });
    http.Delete(R"(/api/training/(\d+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
        auto run = run_find(ctx, req);
        job_queue_cancel(ctx.queue, *run->j);
        reply_json(res, run_json(ctx, *run, false));
    });
}

}  // namespace clinote
