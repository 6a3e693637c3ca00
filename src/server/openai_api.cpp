// The OpenAI-compatible routes: /v1/models, /v1/chat/completions, /v1/completions, each
// answered as one JSON document or streamed as Server-Sent Events ("data: {...}", ending
// with "data: [DONE]"), as the official clients expect. Every field of a request is either
// honoured or refused by name (400): a client that asked for JSON, log-probabilities or
// tools must not get prose back without knowing.
#include <chrono>
#include <map>
#include <random>
#include <set>

#include "core/error.h"
#include "eval/eval_report.h"
#include "generate/chat_prompt.h"
#include "server/completion.h"
#include "server/http_json.h"
#include "server/server_context.h"
#include "tokenizer/unicode.h"

namespace clinote {

namespace {

// An OpenAI request: the completion, and how the answer is sent.
struct openai_request {
    completion_request completion;
    bool chat = true;
    bool stream = false;
    bool include_usage = false;
};

// The fields clinote honours; top_k, min_p, repeat_penalty and the dry_ ones are llama-server's
// extensions.
const std::set<std::string> k_fields = {
    "model", "max_tokens", "temperature", "top_p", "n", "stream", "stream_options", "stop", "seed",
    "frequency_penalty", "presence_penalty", "response_format", "top_k", "min_p", "repeat_penalty",
    "dry_multiplier", "dry_base", "dry_allowed_length",
    "logprobs", "user"};  // user: an end-user id for the provider's abuse monitoring; nothing leaves this machine
const std::set<std::string> k_chat_fields = {"messages", "max_completion_tokens", "top_logprobs"};
// return_tokens is llama-server's; answer_in_prompt is clinote's, for a note continued section
// by section from another clinote (serve --backend): the prompt's last n tokens are the
// answer so far, which the repetition guard sees as the answer.
const std::set<std::string> k_completion_fields = {"prompt", "return_tokens", "answer_in_prompt"};

// Fields of the OpenAI API clinote does not implement, and the value that asks for nothing.
const std::map<std::string, nlohmann::json> k_unsupported = {
    {"tools", nlohmann::json::array()}, {"tool_choice", "none"},
    {"functions", nlohmann::json::array()}, {"function_call", "none"}, {"parallel_tool_calls", false},
    {"logit_bias", nlohmann::json::object()}, {"echo", false}, {"best_of", 1}, {"suffix", ""},
    {"audio", nullptr}, {"modalities", nlohmann::json::array({"text"})}, {"prediction", nullptr},
    {"web_search_options", nullptr}, {"reasoning_effort", nullptr}, {"store", false}, {"metadata", nullptr},
    {"service_tier", "auto"}};

// 400 for a field that would be ignored: unknown, or asking for a feature clinote lacks.
// A field set to null, or to the value that asks for nothing, is accepted.
void fields_check(const nlohmann::json& body, bool chat) {
    for (auto it = body.begin(); it != body.end(); ++it) {
        const std::string& key = it.key();
        if (it->is_null() || k_fields.count(key) || (chat ? k_chat_fields : k_completion_fields).count(key))
            continue;
        const auto u = k_unsupported.find(key);
        if (u == k_unsupported.end())
            throw api_error(400, "unknown_field", key + ": not a field clinote knows; it is refused rather than ignored");
        if (*it != u->second)
            throw api_error(400, "unsupported_field", key + ": not supported by clinote (only " + u->second.dump() +
                                                          " is accepted); it is refused rather than ignored");
    }
}

// response_format: {"type": "text"}, {"type": "json_object"} (any JSON object), or
// {"type": "json_schema", "json_schema": {"name", "schema", "strict"?}}; the schema is read from
// the raw body so that its property order, which is the order the answer writes them in, is kept.
std::shared_ptr<const nlohmann::ordered_json> response_schema(const nlohmann::json& body, const std::string& raw) {
    if (!body.contains("response_format") || body["response_format"].is_null()) return nullptr;
    const nlohmann::json& f = body["response_format"];
    if (!f.is_object()) throw api_error(400, "invalid_field", "response_format: must be an object");
    const std::string type = json_string_required(f, "type");
    if (type == "text") return nullptr;
    if (type == "json_object") return completion_any_object_schema();
    if (type != "json_schema")
        throw api_error(400, "invalid_field", "response_format.type: must be \"text\", \"json_object\" or \"json_schema\"");
    if (!f.contains("json_schema") || !f["json_schema"].is_object() || !f["json_schema"].contains("schema"))
        throw api_error(400, "missing_field", "response_format.json_schema.schema: required");
    for (auto it = f["json_schema"].begin(); it != f["json_schema"].end(); ++it)
        if (it.key() != "name" && it.key() != "schema" && it.key() != "strict" && it.key() != "description")
            throw api_error(400, "unknown_field", "response_format.json_schema." + it.key() + ": not a field clinote knows");
    return std::make_shared<const nlohmann::ordered_json>(
        nlohmann::ordered_json::parse(raw)["response_format"]["json_schema"]["schema"]);
}

// A token as OpenAI shows it: its text (invalid UTF-8 of a partial character as U+FFFD) and bytes.
nlohmann::json token_json(const tokenizer& tok, int32_t id, float logprob) {
    const std::string bytes = tokenizer_token_bytes(tok, id);
    return {{"token", utf8_lossy(bytes)}, {"logprob", logprob}, {"bytes", std::vector<uint8_t>(bytes.begin(), bytes.end())}};
}

// A choice's log-probabilities in the chat form ({"content": [{token, logprob, bytes,
// top_logprobs}]}) or the completions form (tokens, token_logprobs, top_logprobs, text_offset).
nlohmann::json logprobs_json(const tokenizer& tok, const nlohmann::json& steps, bool chat) {
    if (chat) {
        nlohmann::json content = nlohmann::json::array();
        for (const nlohmann::json& s : steps) {
            nlohmann::json t = token_json(tok, s["token"], s["logprob"]);
            t["top_logprobs"] = nlohmann::json::array();
            for (const nlohmann::json& alt : s["top"]) t["top_logprobs"].push_back(token_json(tok, alt[0], alt[1]));
            content.push_back(t);
        }
        return {{"content", content}, {"refusal", nullptr}};
    }
    nlohmann::json out = {{"tokens", nlohmann::json::array()}, {"token_logprobs", nlohmann::json::array()},
                          {"top_logprobs", nlohmann::json::array()}, {"text_offset", nlohmann::json::array()}};
    size_t offset = 0;
    for (const nlohmann::json& s : steps) {
        const std::string bytes = tokenizer_token_bytes(tok, s["token"]);
        out["tokens"].push_back(utf8_lossy(bytes));
        out["token_logprobs"].push_back(s["logprob"]);
        nlohmann::json top = nlohmann::json::object();
        for (const nlohmann::json& alt : s["top"]) top[utf8_lossy(tokenizer_token_bytes(tok, alt[0]))] = alt[1];
        out["top_logprobs"].push_back(top);
        out["text_offset"].push_back(offset);
        offset += bytes.size();
    }
    return out;
}

int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::vector<std::string> stop_parse(const nlohmann::json& body) {
    if (!body.contains("stop") || body["stop"].is_null()) return {};
    const nlohmann::json& s = body["stop"];
    if (s.is_string()) return {s.get<std::string>()};
    // OpenAI takes up to 4; a note continued section by section stops at any later heading.
    const char* what = "stop: must be a string or an array of up to 32 strings";
    if (!s.is_array() || s.size() > 32) throw api_error(400, "invalid_field", what);
    std::vector<std::string> out;
    for (const auto& x : s) {
        if (!x.is_string()) throw api_error(400, "invalid_field", what);
        out.push_back(x.get<std::string>());
    }
    return out;
}

// A completion's prompt: a string (or an array of one string), which is tokenised with a
// beginning-of-text token, or the token ids themselves, as OpenAI's API allows.
std::vector<int32_t> prompt_parse(const nlohmann::json& body, const tokenizer& tok) {
    nlohmann::json p = body.contains("prompt") ? body["prompt"] : nlohmann::json();
    if (p.is_array() && p.size() == 1 && p[0].is_string()) p = p[0];
    if (p.is_string()) return tokenizer_encode(tok, p.get<std::string>(), true);
    const char* what = "prompt: must be a string, an array of one string or an array of token ids";
    if (!p.is_array()) throw api_error(400, "invalid_field", what);
    std::vector<int32_t> ids;
    for (size_t i = 0; i < p.size(); i++) {
        if (!p[i].is_number_integer()) throw api_error(400, "invalid_field", what);
        const int64_t id = p[i].get<int64_t>();
        if (id < 0 || id >= tok.n_vocab())
            throw api_error(400, "invalid_field", "prompt[" + std::to_string(i) + "]: token id " + std::to_string(id) +
                                                      " is not in the vocabulary of " + std::to_string(tok.n_vocab()));
        ids.push_back(int32_t(id));
    }
    return ids;
}

openai_request request_parse(server_context& ctx, const httplib::Request& req, const nlohmann::json& body, bool chat) {
    fields_check(body, chat);
    openai_request o;
    completion_request& r = o.completion;
    // No model: the default base, as the one model of llama-server.
    r.model = completion_model(ctx, body.contains("model") && !body["model"].is_null()
                                        ? json_string_required(body, "model")
                                        : std::string());
    o.chat = chat;
    const base_model& base = ctx.host.bases[r.model.base];
    const tokenizer& tok = base.tok;
    if (chat) {
        r.prompt = chat_prompt_tokens(tok, completion_messages_parse(body), true);
    } else {
        r.prompt = prompt_parse(body, tok);
        r.return_tokens = json_bool(body, "return_tokens", false);
        r.params.answer_in_prompt = json_integer(body, "answer_in_prompt", 0, 0, int64_t(r.prompt.size()));
    }
    r.n = json_integer(body, "n", 1, 1, 8);
    const int64_t room = base.n_ctx - int64_t(r.prompt.size());
    const int64_t fallback = std::max<int64_t>(1, std::min<int64_t>(ctx.opt.default_max_tokens, room));
    int64_t max_tokens = json_integer(body, "max_tokens", fallback, 1, base.n_ctx);
    max_tokens = json_integer(body, "max_completion_tokens", max_tokens, 1, base.n_ctx);
    model_host_require_fits(base, r.prompt.size(), max_tokens);
    r.params.max_tokens = int(max_tokens);
    r.params.stop = stop_parse(body);
    sampler_params& sp = r.params.sampling;
    sp.temperature = float(json_number(body, "temperature", 1.0, 0.0, 2.0));
    sp.top_p = float(json_number(body, "top_p", 1.0, 0.0, 1.0));
    sp.top_k = int(json_integer(body, "top_k", 0, 0, 1 << 20));
    sp.min_p = float(json_number(body, "min_p", 0.0, 0.0, 1.0));
    sp.repeat_penalty = float(json_number(body, "repeat_penalty", 1.0, 0.5, 2.0));
    sp.frequency_penalty = float(json_number(body, "frequency_penalty", 0.0, -2.0, 2.0));
    sp.presence_penalty = float(json_number(body, "presence_penalty", 0.0, -2.0, 2.0));
    sp.dry_multiplier = float(json_number(body, "dry_multiplier", 0.0, 0.0, 100.0));
    sp.dry_base = float(json_number(body, "dry_base", sp.dry_base, 1.0, 100.0));
    sp.dry_allowed_length = int(json_integer(body, "dry_allowed_length", sp.dry_allowed_length, 1, 1 << 20));
    const int64_t seed = json_integer(body, "seed", -1, INT64_MIN, INT64_MAX);
    sp.seed = body.contains("seed") && !body["seed"].is_null() ? uint64_t(seed) : std::random_device{}();
    o.stream = json_bool(body, "stream", false);
    if (o.stream && r.n > 1)
        throw api_error(400, "unsupported_field", "n: more than one choice is not streamed; ask without stream");
    if (body.contains("stream_options") && body["stream_options"].is_object())
        o.include_usage = json_bool(body["stream_options"], "include_usage", false);
    // Chat: logprobs true, top_logprobs 0–20 alternatives; completions: logprobs 0–5 alternatives.
    if (chat && json_bool(body, "logprobs", false)) r.params.top_logprobs = int(json_integer(body, "top_logprobs", 0, 0, 20));
    else if (chat && body.contains("top_logprobs") && !body["top_logprobs"].is_null())
        throw api_error(400, "invalid_field", "top_logprobs: needs \"logprobs\": true");
    else if (!chat && body.contains("logprobs") && !body["logprobs"].is_null())
        r.params.top_logprobs = int(json_integer(body, "logprobs", 0, 0, 5));
    if (o.stream && r.params.top_logprobs >= 0)
        throw api_error(400, "unsupported_field", "logprobs: not streamed by clinote; ask without stream");
    r.schema = response_schema(body, req.body);
    if (r.schema) completion_schema_check(*r.schema, "response_format.json_schema.schema");
    return o;
}

nlohmann::json usage_json(const nlohmann::json& result) {
    const int64_t p = result.value("prompt_tokens", int64_t(0)), c = result.value("completion_tokens", int64_t(0));
    return {{"prompt_tokens", p}, {"completion_tokens", c}, {"total_tokens", p + c}};
}

// "loaded" says whether the base is the one in memory (a request for another waits while
// the worker swaps models).
nlohmann::json model_json(const model_host& h, const model_choice& c) {
    const base_model& b = h.bases[c.base];
    nlohmann::json m = {{"id", c.name}, {"object", "model"}, {"created", 0}, {"owned_by", "clinote"},
                        {"loaded", h.loaded == c.base}};
    if (c.adapter) m["parent"] = b.id;  // an adapter on the base
    else m["default"] = model_host_default(h).id == b.id;
    return m;
}

void completion_handle(server_context& ctx, const httplib::Request& req, httplib::Response& res, bool chat) {
    const nlohmann::json body = json_body_parse(req);
    const openai_request o = request_parse(ctx, req, body, chat);
    auto r = std::make_shared<const completion_request>(o.completion);
    const std::string model_id = r->model.name;
    auto j = job_queue_submit(ctx.queue, chat ? "chat.completion" : "text_completion", r->params.max_tokens * r->n,
                              [&ctx, r](job& jj) { return completion_generate(ctx, jj, *r); });
    if (!j) throw_queue_full(ctx);
    const std::string id = (chat ? "chatcmpl-" : "cmpl-") + std::to_string(j->id);
    const int64_t created = unix_now();
    auto base = [=](const char* object) {
        return nlohmann::json{{"id", id}, {"object", object}, {"created", created}, {"model", model_id}};
    };
    if (!o.stream) {
        const tokenizer* tok = &ctx.host.bases[r->model.base].tok;
        reply_job_json(ctx, res, j, [=](job& jj) {
            const nlohmann::json out = completion_outcome(jj);
            nlohmann::json body = base(chat ? "chat.completion" : "text_completion");
            body["choices"] = nlohmann::json::array();
            const nlohmann::json written = out.contains("choices") ? out["choices"] : nlohmann::json::array({out});
            for (size_t i = 0; i < written.size(); i++) {
                nlohmann::json choice = {{"index", i}, {"finish_reason", written[i]["finish_reason"]}};
                if (chat) choice["message"] = {{"role", "assistant"}, {"content", written[i]["text"]}};
                else choice["text"] = written[i]["text"];
                choice["logprobs"] = written[i].contains("logprobs") ? logprobs_json(*tok, written[i]["logprobs"], chat) : nullptr;
                if (written[i].contains("tokens")) choice["tokens"] = written[i]["tokens"];
                body["choices"].push_back(choice);
            }
            body["usage"] = usage_json(out);
            return body;
        });
        return;
    }
    const char* chunk_object = chat ? "chat.completion.chunk" : "text_completion";
    auto chunk = [=](const nlohmann::json& delta_or_text, const nlohmann::json& finish,
                     const nlohmann::json& tokens = nullptr) {
        nlohmann::json c = base(chunk_object);
        nlohmann::json choice = {{"index", 0}, {"finish_reason", finish}};
        if (!tokens.is_null()) choice["tokens"] = tokens;  // return_tokens: all of them, with the last chunk
        if (chat) choice["delta"] = delta_or_text;
        else choice["text"] = delta_or_text, choice["logprobs"] = nullptr;
        c["choices"] = nlohmann::json::array({choice});
        return sse_event(c);
    };
    auto first = std::make_shared<bool>(true);
    auto opening = [=]() {
        if (!*first || !chat) return std::string();
        *first = false;
        return chunk({{"role", "assistant"}, {"content", ""}}, nullptr);
    };
    const bool include_usage = o.include_usage;
    reply_job_events(
        ctx, res, j,
        [=](const std::string& piece) {
            return opening() + chunk(chat ? nlohmann::json{{"content", piece}} : nlohmann::json(piece), nullptr);
        },
        [=](job& jj) {
            std::string out = opening();
            if (job_get_state(jj) == job_state::failed) {
                std::lock_guard<std::mutex> lock(jj.mu);
                return out + sse_event(error_body(jj.error_status, "job_failed", jj.error)) + "data: [DONE]\n\n";
            }
            const nlohmann::json result = completion_outcome(jj);
            const nlohmann::json& written = result.contains("choices") ? result["choices"][0] : result;
            out += chunk(chat ? nlohmann::json::object() : nlohmann::json(""), result["finish_reason"],
                         written.contains("tokens") ? written["tokens"] : nlohmann::json());
            if (include_usage) {
                nlohmann::json u = base(chunk_object);
                u["choices"] = nlohmann::json::array();
                u["usage"] = usage_json(result);
                out += sse_event(u);
            }
            return out + "data: [DONE]\n\n";
        });
}

}  // namespace

// /v1/embeddings: the sentence encoder the evaluation ships (all-MiniLM-L6-v2, mean pooled
// and L2-normalised as sentence-transformers), loaded on the first request.
const sentence_encoder& encoder_require(server_context& ctx) {
    std::lock_guard<std::mutex> lock(ctx.encoder_mu);
    if (!ctx.encoder) {
        const std::string dir = ctx.opt.embedding_dir.empty() ? sentence_encoder_default_dir() : ctx.opt.embedding_dir;
        try {
            ctx.encoder = std::make_unique<sentence_encoder>(sentence_encoder_load(dir));
        } catch (const clinote::error& e) {
            throw api_error(503, "no_embedding_model",
                            std::string("no sentence encoder: ") + e.what() + " (scripts/setup.sh installs all-MiniLM-L6-v2)");
        }
    }
    return *ctx.encoder;
}

void embeddings_handle(server_context& ctx, const httplib::Request& req, httplib::Response& res) {
    const nlohmann::json body = json_body_parse(req);
    for (auto it = body.begin(); it != body.end(); ++it) {
        const std::string& k = it.key();
        if (k == "input" || k == "model" || k == "user" || it->is_null()) continue;
        if (k == "encoding_format" && (*it == "float" || *it == "base64")) continue;
        throw api_error(400, k == "encoding_format" || k == "dimensions" ? "unsupported_field" : "unknown_field",
                        k + ": not supported by clinote's /v1/embeddings; it is refused rather than ignored");
    }
    // base64: the float32 values' little-endian bytes, as the openai clients ask by default.
    const bool base64 = json_string(body, "encoding_format", "float") == "base64";
    if (!body.contains("input")) throw api_error(400, "missing_field", "input: required (a string or an array of strings)");
    std::vector<std::string> inputs;
    if (body["input"].is_string()) inputs.push_back(body["input"].get<std::string>());
    else if (body["input"].is_array() && !body["input"].empty())
        for (const auto& x : body["input"]) {
            if (!x.is_string()) throw api_error(400, "invalid_field", "input: token arrays are not supported; send strings");
            inputs.push_back(x.get<std::string>());
        }
    else throw api_error(400, "invalid_field", "input: must be a string or a non-empty array of strings");
    if (inputs.size() > 256) throw api_error(400, "invalid_field", "input: at most 256 strings per request");
    const sentence_encoder& enc = encoder_require(ctx);
    nlohmann::json data = nlohmann::json::array();
    int64_t tokens = 0;
    for (size_t i = 0; i < inputs.size(); i++) {
        const encoded_text e = sentence_encode(enc, inputs[i]);
        tokens += int64_t(e.ids.size());
        nlohmann::json vec = e.sentence_embedding;
        if (base64)
            vec = base64_encode(std::string(reinterpret_cast<const char*>(e.sentence_embedding.data()),
                                            e.sentence_embedding.size() * sizeof(float)));
        data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", vec}});
    }
    reply_json(res, {{"object", "list"},
                     {"data", data},
                     {"model", enc.name},
                     {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
}

void openai_routes_add(httplib::Server& http, server_context& ctx) {
    // Each base, then each base with each of its adapters.
    http.Get("/v1/models", [&ctx](const httplib::Request&, httplib::Response& res) {
        nlohmann::json data = nlohmann::json::array();
        const std::vector<adapter_entry> adapters = adapter_registry_list(ctx.adapters);
        for (const base_model& b : ctx.host.bases) {
            data.push_back(model_json(ctx.host, model_choice_resolve(ctx.host, ctx.adapters, b.id)));
            for (const adapter_entry& e : adapters)
                if (e.base == b.id) {
                    model_choice c = model_choice_resolve(ctx.host, ctx.adapters, b.id);
                    c.name = b.id + "+" + e.name;
                    c.adapter = e.adapter;
                    data.push_back(model_json(ctx.host, c));
                }
        }
        reply_json(res, {{"object", "list"}, {"data", data}});
    });
    http.Get(R"(/v1/models/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
        reply_json(res, model_json(ctx.host, model_choice_resolve(ctx.host, ctx.adapters, req.matches[1].str())));
    });
    http.Post("/v1/chat/completions", [&ctx](const httplib::Request& req, httplib::Response& res) {
        completion_handle(ctx, req, res, true);
    });
    http.Post("/v1/completions", [&ctx](const httplib::Request& req, httplib::Response& res) {
        completion_handle(ctx, req, res, false);
    });
    http.Post("/v1/embeddings",
              [&ctx](const httplib::Request& req, httplib::Response& res) { embeddings_handle(ctx, req, res); });
}

}  // namespace clinote
