// Ollama's API, so the scribe apps and tools that speak it use clinote unchanged:
// GET /api/tags, POST /api/show, /api/chat, /api/generate (streamed as JSON lines by
// default, as Ollama does), GET /api/version. Requests become the same completion jobs as
// the OpenAI routes (server/completion.h). Ollama's defaults apply to options a request
// leaves out; an option or field clinote cannot honour is a 400 naming it, never ignored.
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "core/utc_time.h"
#include "generate/chat_prompt.h"
#include "server/completion.h"
#include "server/http_json.h"
#include "server/server_context.h"

namespace clinote {

namespace {

// Ollama's fields, and those that ask for what clinote has not (accepted only as null/empty).
const std::set<std::string> k_chat_fields = {"model", "messages", "stream", "format", "options", "keep_alive"};
const std::set<std::string> k_generate_fields = {"model", "prompt", "system", "raw", "stream", "format", "options",
                                                 "keep_alive"};
const std::set<std::string> k_unsupported = {"tools", "think", "images", "suffix", "template", "context"};

void fields_check(const nlohmann::json& body, const std::set<std::string>& known) {
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (known.count(it.key()) || it->is_null()) continue;
        if (k_unsupported.count(it.key())) {
            if (it->is_boolean() ? !it->get<bool>() : it->empty()) continue;
            throw api_error(400, "unsupported_field", it.key() + ": not supported by clinote; it is refused rather than ignored");
        }
        throw api_error(400, "unknown_field", it.key() + ": not a field clinote knows; it is refused rather than ignored");
    }
}

// "options": Ollama's names and its defaults (temperature 0.8, top_k 40, top_p 0.9,
// repeat_penalty 1.1 over the last 64 tokens); num_predict -1 means until the context is full.
void options_apply(const nlohmann::json& body, const base_model& base, size_t n_prompt, generate_params& p) {
    const nlohmann::json opts = body.contains("options") && !body["options"].is_null() ? body["options"] : nlohmann::json::object();
    if (!opts.is_object()) throw api_error(400, "invalid_field", "options: must be an object");
    static const std::set<std::string> known = {"num_predict", "temperature", "top_k", "top_p", "min_p", "seed", "stop",
                                                "repeat_penalty", "repeat_last_n", "presence_penalty",
                                                "frequency_penalty", "num_ctx"};
    for (auto it = opts.begin(); it != opts.end(); ++it)
        if (!known.count(it.key()) && !it->is_null())
            throw api_error(400, "unsupported_field", "options." + it.key() + ": not supported by clinote; it is refused rather than ignored");
    const int64_t room = base.n_ctx - int64_t(n_prompt);
    if (room < 1) throw api_error(400, "context_length_exceeded", "the prompt fills the context of " + std::to_string(base.n_ctx) + " tokens");
    if (opts.contains("num_ctx") && !opts["num_ctx"].is_null() && json_integer(opts, "num_ctx", 0, 1, INT64_MAX) > base.n_ctx)
        throw api_error(400, "invalid_field", "options.num_ctx: this server's context is " + std::to_string(base.n_ctx) +
                                                  " tokens (clinote serve --ctx)");
    const int64_t n = json_integer(opts, "num_predict", -1, -2, base.n_ctx);
    p.max_tokens = int(n < 0 ? room : std::min<int64_t>(n, room));
    sampler_params& s = p.sampling;
    s.temperature = float(json_number(opts, "temperature", 0.8, 0.0, 2.0));
    s.top_k = int(json_integer(opts, "top_k", 40, 0, 1 << 20));
    s.top_p = float(json_number(opts, "top_p", 0.9, 0.0, 1.0));
    s.min_p = float(json_number(opts, "min_p", 0.0, 0.0, 1.0));
    s.repeat_penalty = float(json_number(opts, "repeat_penalty", 1.1, 0.5, 2.0));
    s.repeat_last_n = int(json_integer(opts, "repeat_last_n", 64, 0, base.n_ctx));
    s.presence_penalty = float(json_number(opts, "presence_penalty", 0.0, -2.0, 2.0));
    s.frequency_penalty = float(json_number(opts, "frequency_penalty", 0.0, -2.0, 2.0));
    s.seed = opts.contains("seed") && !opts["seed"].is_null() ? uint64_t(json_integer(opts, "seed", 0, INT64_MIN, INT64_MAX))
                                                             : std::random_device{}();
    if (opts.contains("stop") && !opts["stop"].is_null()) {
        if (!opts["stop"].is_array()) throw api_error(400, "invalid_field", "options.stop: must be an array of strings");
        for (const auto& x : opts["stop"]) {
            if (!x.is_string()) throw api_error(400, "invalid_field", "options.stop: must be an array of strings");
            p.stop.push_back(x.get<std::string>());
        }
    }
}

// "format": "json" (any JSON object) or a JSON schema object, the answer decoded under its grammar.
std::shared_ptr<const nlohmann::ordered_json> format_schema(const nlohmann::json& body, const std::string& raw) {
    if (!body.contains("format") || body["format"].is_null() || body["format"] == "") return nullptr;
    if (body["format"] == "json") return completion_any_object_schema();
    if (!body["format"].is_object())
        throw api_error(400, "invalid_field", "format: must be \"json\" or a JSON schema object");
    auto schema = std::make_shared<const nlohmann::ordered_json>(nlohmann::ordered_json::parse(raw)["format"]);
    completion_schema_check(*schema, "format");
    return schema;
}

std::string model_name(const nlohmann::json& body) {
    for (const char* key : {"model", "name"})
        if (body.contains(key) && !body[key].is_null()) return json_string_required(body, key);
    return "";
}

int64_t nanoseconds(double seconds) { return int64_t(seconds * 1e9); }

// The last line of a stream, or the whole answer without one: the statistics Ollama reports.
nlohmann::json done_fields(const nlohmann::json& out, double total_seconds) {
    const std::string reason = out.value("finish_reason", "stop");
    return {{"done", true},
            {"done_reason", reason == "length" ? "length" : "stop"},
            {"total_duration", nanoseconds(total_seconds)},
            {"load_duration", 0},
            {"prompt_eval_count", out.value("prompt_tokens", int64_t(0))},
            {"prompt_eval_duration", nanoseconds(out.value("prompt_seconds", 0.0))},
            {"eval_count", out.value("completion_tokens", int64_t(0))},
            {"eval_duration", nanoseconds(out.value("decode_seconds", 0.0))}};
}

std::string line(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// Submits the completion and answers as Ollama does: JSON lines while it is written, or
// one object; `piece_json` wraps text as a chat message or a generate response.
void completion_reply(server_context& ctx, httplib::Response& res, std::shared_ptr<const completion_request> r,
                      bool stream, std::function<nlohmann::json(const std::string& text)> piece_json) {
    const auto start = std::chrono::steady_clock::now();
    auto j = job_queue_submit(ctx.queue, "ollama", r->params.max_tokens,
                              [&ctx, r](job& jj) { return completion_generate(ctx, jj, *r); });
    if (!j) throw_queue_full(ctx);
    const std::string model = r->model.name;
    auto head = [model]() { return nlohmann::json{{"model", model}, {"created_at", utc_now()}}; };
    auto seconds = [start]() { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    if (!stream) {
        reply_job_json(ctx, res, j, [=](job& jj) {
            const nlohmann::json out = completion_outcome(jj);
            nlohmann::json body = head();
            body.update(piece_json(out["text"]));
            body.update(done_fields(out, seconds()));
            return body;
        });
        return;
    }
    reply_job_lines(
        ctx, res, j,
        [=](const std::string& piece) {
            nlohmann::json l = head();
            l.update(piece_json(piece));
            l["done"] = false;
            return line(l);
        },
        [=](job& jj) {
            if (job_get_state(jj) == job_state::failed) {
                std::lock_guard<std::mutex> lock(jj.mu);
                return line({{"error", jj.error}});
            }
            nlohmann::json l = head();
            l.update(piece_json(""));
            l.update(done_fields(completion_outcome(jj), seconds()));
            return line(l);
        });
}

// /api/chat and /api/generate: the fields checked, the prompt built (chat messages or a
// prompt), Ollama's options and format applied, and the answer sent.
void ollama_completion(server_context& ctx, const httplib::Request& req, httplib::Response& res,
                       const std::set<std::string>& fields,
                       const std::function<std::vector<int32_t>(const nlohmann::json&, const tokenizer&)>& prompt_of,
                       std::function<nlohmann::json(const std::string& text)> piece_json) {
    const nlohmann::json body = json_body_parse(req);
    fields_check(body, fields);
    auto r = std::make_shared<completion_request>();
    r->model = completion_model(ctx, model_name(body));
    const base_model& base = ctx.host.bases[r->model.base];
    r->prompt = prompt_of(body, base.tok);
    options_apply(body, base, r->prompt.size(), r->params);
    r->schema = format_schema(body, req.body);
    completion_reply(ctx, res, r, json_bool(body, "stream", true), std::move(piece_json));
}

nlohmann::json model_details(const base_model& b) {
    return {{"format", std::filesystem::is_directory(b.path) ? "safetensors" : "gguf"},
            {"family", b.arch},
            {"families", nlohmann::json::array({b.arch})},
            {"parameter_size", ""},
            {"quantization_level", ""}};
}

// Each base and base+adapter, as /v1/models lists them.
std::vector<std::pair<std::string, size_t>> model_names(server_context& ctx) {
    std::vector<std::pair<std::string, size_t>> out;
    const std::vector<adapter_entry> adapters = adapter_registry_list(ctx.adapters);
    for (size_t i = 0; i < ctx.host.bases.size(); i++) {
        const base_model& b = ctx.host.bases[i];
        out.emplace_back(b.id, i);
        for (const adapter_entry& e : adapters)
            if (e.base == b.id) out.emplace_back(b.id + "+" + e.name, i);
    }
    return out;
}

}  // namespace

void ollama_routes_add(httplib::Server& http, server_context& ctx) {
    http.Get("/api/version", [](const httplib::Request&, httplib::Response& res) {
        reply_json(res, {{"version", "0.1.0-clinote"}});
    });
    http.Get("/api/tags", [&ctx](const httplib::Request&, httplib::Response& res) {
        nlohmann::json models = nlohmann::json::array();
        for (const auto& [name, base] : model_names(ctx)) {
            const base_model& b = ctx.host.bases[base];
            std::error_code ec;
            const auto size = std::filesystem::is_regular_file(b.path, ec) ? std::filesystem::file_size(b.path, ec) : 0;
            models.push_back({{"name", name}, {"model", name}, {"modified_at", utc_now()}, {"size", size},
                              {"digest", ""}, {"details", model_details(b)}});
        }
        reply_json(res, {{"models", models}});
    });
    http.Post("/api/show", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        const model_choice c = completion_model(ctx, model_name(body));
        const base_model& b = ctx.host.bases[c.base];
        reply_json(res, {{"modelfile", ""},
                         {"parameters", ""},
                         {"template", b.tok.chat_template},
                         {"details", model_details(b)},
                         {"model_info",
                          {{"general.architecture", b.arch},
                           {b.arch + ".context_length", b.n_ctx},
                           {b.arch + ".block_count", b.n_layer},
                           {b.arch + ".embedding_length", b.n_embd}}},
                         {"capabilities", nlohmann::json::array({"completion"})}});
    });
    http.Post("/api/chat", [&ctx](const httplib::Request& req, httplib::Response& res) {
        ollama_completion(
            ctx, req, res, k_chat_fields,
            [](const nlohmann::json& body, const tokenizer& tok) {
                return chat_prompt_tokens(tok, completion_messages_parse(body), true);
            },
            [](const std::string& text) { return nlohmann::json{{"message", {{"role", "assistant"}, {"content", text}}}}; });
    });
    http.Post("/api/generate", [&ctx](const httplib::Request& req, httplib::Response& res) {
        ollama_completion(
            ctx, req, res, k_generate_fields,
            [](const nlohmann::json& body, const tokenizer& tok) {
                const std::string prompt = json_string(body, "prompt", "");
                if (json_bool(body, "raw", false)) {
                    if (body.contains("system") && !body["system"].is_null())
                        throw api_error(400, "invalid_field", "system: not with raw (the prompt is sent as it is)");
                    return tokenizer_encode(tok, prompt, true);
                }
                nlohmann::json messages = nlohmann::json::array();
                if (const std::string system = json_string(body, "system", ""); !system.empty())
                    messages.push_back({{"role", "system"}, {"content", system}});
                messages.push_back({{"role", "user"}, {"content", prompt}});
                return chat_prompt_tokens(tok, messages, true);
            },
            [](const std::string& text) { return nlohmann::json{{"response", text}}; });
    });
}

}  // namespace clinote
