#include "scribe/backend_decoder.h"

#include <httplib.h>

#include <regex>

#include "core/error.h"
#include "generate/generate_sections.h"

namespace clinote {

namespace {

struct backend_url {
    std::string origin;  // http://host:port
    std::string prefix;  // "" or "/something"
};

backend_url backend_url_split(const std::string& url) {
    static const std::regex form(R"(^(http://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?|http://\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?)(/[^?#]*)?$)");
    std::smatch m;
    if (!std::regex_match(url, m, form))
        fail("--backend", "\"" + url + "\" is not http://HOST[:PORT][/PREFIX]" +
                              (url.rfind("https://", 0) == 0 ? " (https: put a TLS proxy in front; this build speaks plain HTTP)" : ""));
    std::string prefix = m[2].str();
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (prefix.size() >= 3 && prefix.compare(prefix.size() - 3, 3, "/v1") == 0) prefix.resize(prefix.size() - 3);
    return {m[1].str(), prefix};
}

// The request body: clinote's sampling as OpenAI's fields, with llama.cpp's names for what
// OpenAI lacks. Fields at their "off" value are left out, for backends that know fewer.
// Ordered: the schema's property order is the order the backend writes them in.
nlohmann::ordered_json request_body(const backend_options& b, const std::vector<int32_t>& prompt,
                                    const generate_params& params, const nlohmann::ordered_json* schema) {
    const sampler_params& s = params.sampling;
    nlohmann::ordered_json body = {{"prompt", prompt}, {"max_tokens", params.max_tokens}, {"temperature", s.temperature},
                                   {"top_p", s.top_p}, {"seed", s.seed},                  {"stream", true},
                                   {"return_tokens", true}};
    if (!b.model.empty()) body["model"] = b.model;
    if (!params.stop.empty()) body["stop"] = params.stop;
    if (s.top_k > 0) body["top_k"] = s.top_k;
    if (s.min_p > 0) body["min_p"] = s.min_p;
    if (s.repeat_penalty != 1.0f) body["repeat_penalty"] = s.repeat_penalty;
    if (s.frequency_penalty != 0.0f) body["frequency_penalty"] = s.frequency_penalty;
    if (s.presence_penalty != 0.0f) body["presence_penalty"] = s.presence_penalty;
    if (s.dry_multiplier > 0) {
        body["dry_multiplier"] = s.dry_multiplier;
        body["dry_base"] = s.dry_base;
        body["dry_allowed_length"] = s.dry_allowed_length;
    }
    if (params.answer_in_prompt > 0) body["answer_in_prompt"] = params.answer_in_prompt;
    if (schema)
        body["response_format"] = {{"type", "json_schema"},
                                   {"json_schema", {{"name", "note"}, {"schema", *schema}}}};
    return body;
}

// An OpenAI error's words: {"error": {"message": ...}} or {"error": "..."}; empty if neither.
std::string error_message(const nlohmann::json& body) {
    if (!body.is_object() || !body.contains("error")) return "";
    const nlohmann::json& e = body["error"];
    const nlohmann::json& m = e.is_object() && e.contains("message") ? e["message"] : e;
    return m.is_string() ? m.get<std::string>() : m.dump();
}

// One /v1/completions request, its Server-Sent Events read as they arrive.
generate_result backend_complete(const backend_options& b, const backend_url& u, const tokenizer& tok,
                                 const std::vector<int32_t>& prompt, const generate_params& params,
                                 const nlohmann::ordered_json* schema, const text_callback& on_text) {
    httplib::Client client(u.origin);
    client.set_connection_timeout(b.connect_timeout_s, 0);
    client.set_read_timeout(b.read_timeout_s, 0);
    client.set_write_timeout(b.read_timeout_s, 0);

    generate_result r;
    r.n_prompt = int64_t(prompt.size());
    bool have_tokens = false, cancelled = false, done = false;
    std::string pending, error_text;
    // An event's JSON: a completion chunk, or an error the backend sent instead.
    const auto event = [&](const std::string& data) {
        if (data == "[DONE]") {
            done = true;
            return true;
        }
        const nlohmann::json c = nlohmann::json::parse(data, nullptr, false);
        if (c.is_object() && c.contains("error")) {
            error_text = error_message(c);
            return false;
        }
        if (!c.is_object() || !c.contains("choices") || !c["choices"].is_array()) {
            error_text = "a stream event that is not a completion chunk: " + data.substr(0, 200);
            return false;
        }
        if (c["choices"].empty()) return true;  // usage
        const nlohmann::json& choice = c["choices"][0];
        if (choice.contains("text") && choice["text"].is_string()) {
            const std::string piece = choice["text"];
            r.text += piece;
            if (!piece.empty() && on_text && !on_text(piece)) {
                cancelled = true;
                return false;
            }
        }
        if (choice.contains("tokens") && choice["tokens"].is_array()) {
            for (const auto& t : choice["tokens"])
                if (t.is_number_integer()) r.tokens.push_back(t.get<int32_t>());
            have_tokens = true;
        }
        if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) r.finish_reason = choice["finish_reason"];
        return true;
    };

    httplib::Request req;
    req.method = "POST";
    req.path = u.prefix + "/v1/completions";
    req.body = request_body(b, prompt, params, schema).dump();
    req.set_header("Content-Type", "application/json");
    req.set_header("Accept", "text/event-stream");
    if (!b.api_key.empty()) req.set_header("Authorization", "Bearer " + b.api_key);
    int status = 0;
    std::string error_body;
    req.response_handler = [&](const httplib::Response& res) {
        status = res.status;
        return true;
    };
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
        if (status != 200) {
            error_body.append(data, n);
            return error_body.size() < (1u << 20);
        }
        pending.append(data, n);
        for (size_t end; (end = pending.find("\n\n")) != std::string::npos;) {
            const std::string block = pending.substr(0, end);
            pending.erase(0, end + 2);
            for (size_t at = 0; at < block.size();) {
                size_t eol = block.find('\n', at);
                if (eol == std::string::npos) eol = block.size();
                const std::string line = block.substr(at, eol - at);
                at = eol + 1;
                if (line.rfind("data:", 0) != 0) continue;  // comments (heartbeats), ids, event names
                const size_t from = line.size() > 5 && line[5] == ' ' ? 6 : 5;
                if (!event(line.substr(from))) return false;
            }
        }
        return true;
    };
    const httplib::Result res = client.send(req);
    if (cancelled) {
        r.finish_reason = "cancelled";
        return r;
    }
    const std::string where = "backend " + b.url;
    if (!error_text.empty()) fail(where, "the backend's answer: " + error_text);
    if (!res && status == 0) fail(where, "cannot reach the backend (" + httplib::to_string(res.error()) + ")");
    if (status != 200) {
        std::string message = error_message(nlohmann::json::parse(error_body, nullptr, false));
        if (message.empty()) message = error_body.substr(0, 300);
        fail(where, "HTTP " + std::to_string(status) + " from /v1/completions: " + message);
    }
    if (!res) fail(where, "the connection broke during the answer (" + httplib::to_string(res.error()) + ")");
    if (!done && r.finish_reason.empty()) fail(where, "the answer ended before its last event");
    if (r.finish_reason != "stop" && r.finish_reason != "length")
        fail(where, "finish_reason \"" + r.finish_reason + "\" (expected \"stop\" or \"length\")");
    // Without the backend's token ids the answer is tokenised here: what the next section's
    // prompt holds is then this text's tokens, which may differ from those the model wrote.
    if (!have_tokens) r.tokens = tokenizer_encode(tok, r.text, false);
    return r;
}

}  // namespace

void backend_url_check(const std::string& url) { backend_url_split(url); }

note_decoder note_decoder_for_backend(const backend_options& b, const tokenizer& tok) {
    const backend_url u = backend_url_split(b.url);
    return [b, u, &tok](const note_part& part, const generate_params& params, const text_callback& on_text) {
        if (part.schema) return backend_complete(b, u, tok, part.prompt, params, part.schema, on_text);
        // The sequence the backend is sent: the prompt and the note so far.
        std::vector<int32_t> sequence;
        token_sequence seq;
        seq.extend = [&](const std::vector<int32_t>& feed, const generate_params& p, const text_callback& cb) {
            sequence.insert(sequence.end(), feed.begin(), feed.end());
            generate_params sent = p;
            // The guard's answer so far travels inside the prompt (its last tokens).
            if (!p.answer_before.empty()) sent.answer_in_prompt = int64_t(p.answer_before.size() + feed.size());
            sent.answer_before.clear();
            generate_result g = backend_complete(b, u, tok, sequence, sent, nullptr, cb);
            sequence.insert(sequence.end(), g.tokens.begin(), g.tokens.end());
            return g;
        };
        seq.size = [&]() { return int64_t(sequence.size()); };
        seq.rewind = [&](int64_t n, const std::vector<int32_t>& tokens) {
            sequence.resize(size_t(n));
            sequence.insert(sequence.end(), tokens.begin(), tokens.end());
        };
        return generate_sections(tok, seq, part.prompt, part.headings, params, on_text);
    };
}

}  // namespace clinote
