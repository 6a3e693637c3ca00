#include "server/completion.h"

#include "core/error.h"
#include "generate/grammar.h"
#include "generate/json_constraint.h"
#include "server/http_json.h"
#include "server/server_context.h"

namespace clinote {

namespace {

// "content": a string, or OpenAI's array of parts of which only text parts are supported.
std::string message_content(const nlohmann::json& m, size_t i) {
    const std::string where = "messages[" + std::to_string(i) + "].content";
    if (!m.contains("content") || m["content"].is_null())
        throw api_error(400, "invalid_field", where + ": required (a string or an array of text parts)");
    const nlohmann::json& c = m["content"];
    if (c.is_string()) return c.get<std::string>();
    if (!c.is_array()) throw api_error(400, "invalid_field", where + ": must be a string or an array of text parts");
    std::string text;
    for (const auto& part : c) {
        if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string())
            throw api_error(400, "invalid_field", where + ": only {\"type\":\"text\",\"text\":...} parts are supported");
        text += part["text"].get<std::string>();
    }
    return text;
}

}  // namespace

nlohmann::json completion_messages_parse(const nlohmann::json& body) {
    if (!body.contains("messages")) throw api_error(400, "missing_field", "messages: required");
    const nlohmann::json& in = body["messages"];
    if (!in.is_array() || in.empty()) throw api_error(400, "invalid_field", "messages: must be a non-empty array");
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < in.size(); i++) {
        const nlohmann::json& m = in[i];
        const std::string where = "messages[" + std::to_string(i) + "]";
        if (!m.is_object()) throw api_error(400, "invalid_field", where + ": must be an object");
        const std::string role = json_string_required(m, "role");
        if (role != "system" && role != "user" && role != "assistant" && role != "developer")
            throw api_error(400, "invalid_field", where + ".role: must be system, user, assistant or developer");
        for (const char* unsupported : {"images", "tool_calls"})  // Ollama's and OpenAI's
            if (m.contains(unsupported) && !m[unsupported].is_null() && !m[unsupported].empty())
                throw api_error(400, "unsupported_field", where + "." + unsupported + ": not supported by clinote");
        out.push_back({{"role", role == "developer" ? "system" : role}, {"content", message_content(m, i)}});
    }
    return out;
}


std::shared_ptr<const nlohmann::ordered_json> completion_any_object_schema() {
    static const auto schema = std::make_shared<const nlohmann::ordered_json>(nlohmann::ordered_json{{"type", "object"}});
    return schema;
}

void completion_schema_check(const nlohmann::ordered_json& schema, const std::string& field) {
    try {
        json_grammar_compile(schema);  // the grammar alone: the vocabulary's trie is built on the worker
    } catch (const clinote::error& e) {
        throw api_error(400, "invalid_field", field + ": " + e.what());
    }
}

model_choice completion_model(server_context& ctx, const std::string& name) {
    return model_choice_resolve(ctx.host, ctx.adapters, name.empty() ? model_host_default(ctx.host).id : name);
}

nlohmann::json completion_generate(server_context& ctx, job& j, const completion_request& r) {
    nlohmann::json choices = nlohmann::json::array();
    int64_t n_prompt = 0, completion = 0;
    double prompt_seconds = 0, decode_seconds = 0;
    for (int64_t i = 0; i < r.n; i++) {
        generate_params params = r.params;
        params.sampling.seed = r.params.sampling.seed + uint64_t(i);
        size_t decoded = 0;  // bytes streamed while decoding; the ending a JSON answer cut short is finished with follows
        const auto run = [&](const generate_params& p) {
            generate_result d = model_host_generate(ctx.host, j, r.model.base, r.model.adapter.get(), r.prompt, p);
            decoded = d.text.size();
            return d;
        };
        const generate_result g =
            r.schema ? json_constraint_generate(*r.schema, ctx.host.bases[r.model.base].tok, params, run) : run(params);
        if (g.finish_reason != "cancelled" && g.text.size() > decoded) job_emit(j, g.text.substr(decoded));
        nlohmann::json choice = {{"text", g.text}, {"finish_reason", g.finish_reason}};
        if (r.return_tokens) choice["tokens"] = g.tokens;
        if (params.top_logprobs >= 0) {
            nlohmann::json lps = nlohmann::json::array();
            for (const token_logprob& lp : g.logprobs) lps.push_back({{"token", lp.token}, {"logprob", lp.logprob}, {"top", lp.top}});
            choice["logprobs"] = lps;
        }
        choices.push_back(choice);
        n_prompt = g.n_prompt;
        completion += int64_t(g.tokens.size());
        prompt_seconds += g.prefill_seconds;
        decode_seconds += g.decode_seconds;
        if (g.finish_reason == "cancelled") break;
    }
    return {{"choices", choices},
            {"text", choices[0]["text"]},
            {"finish_reason", choices.back()["finish_reason"]},
            {"prompt_tokens", n_prompt},
            {"completion_tokens", completion},
            {"prompt_seconds", prompt_seconds},
            {"decode_seconds", decode_seconds}};
}

nlohmann::json completion_outcome(job& j) {
    std::lock_guard<std::mutex> lock(j.mu);
    if (j.result.is_object()) return j.result;
    return {{"text", ""}, {"finish_reason", "cancelled"}, {"prompt_tokens", 0}, {"completion_tokens", 0},
            {"prompt_seconds", 0.0}, {"decode_seconds", 0.0}};
}

}  // namespace clinote
