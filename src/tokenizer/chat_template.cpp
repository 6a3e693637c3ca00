// apply_chat_template(messages, tokenize=False, ...) of transformers: the inputs are
// prepared as transformers prepares them, then the template renders with the globals
// transformers adds (raise_exception, strftime_now) on top of jinja2's defaults.
#include "tokenizer/chat_template.h"

#include <ctime>

#include "core/error.h"
#include "jinja/jinja.h"

namespace clinote {
namespace {

// transformers drops None-valued keys from each message, then copies a message's reasoning
// (the first of reasoning_content, thinking, reasoning) to "reasoning_content", and to
// "thinking" unless the message has its own.
jinja_value prepare_messages(const nlohmann::json& messages) {
    if (!messages.is_array()) fail("chat template", "messages must be a JSON array");
    jinja_list out;
    for (const auto& message : messages) {
        if (!message.is_object()) fail("chat template", "each message must be a JSON object, got " + message.dump());
        nlohmann::json cleaned = nlohmann::json::object();
        for (const auto& [key, value] : message.items()) {
            if (!value.is_null()) cleaned[key] = value;
        }
        for (const char* field : {"reasoning_content", "thinking", "reasoning"}) {
            if (cleaned.contains(field)) {
                nlohmann::json reasoning = cleaned[field];
                if (!cleaned.contains("thinking")) cleaned["thinking"] = reasoning;
                cleaned["reasoning_content"] = reasoning;
                break;
            }
        }
        out.push_back(jinja_from_json(cleaned));
    }
    return jinja_make_list(std::move(out));
}

jinja_value strftime_now(const jinja_args& args) {
    const jinja_value* format = args.get(0, "format");
    if (!format || format->kind != jinja_kind::string) jinja_fail("strftime_now needs a format string");
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char buf[256];
    size_t n = std::strftime(buf, sizeof buf, format->text.c_str(), &local);
    if (n == 0 && !format->text.empty()) jinja_fail("strftime_now: format too long or empty result");
    return jinja_string(std::string(buf, n));
}

jinja_value raise_exception(const jinja_args& args) {
    const jinja_value* message = args.get(0, "message");
    jinja_fail("raise_exception: " + (message ? jinja_str(*message) : std::string()));
}

}  // namespace

std::string chat_template_render(const std::string& template_source, const chat_template_input& input) {
    const std::string where = "chat template";
    try {
        std::unique_ptr<jinja_template> tmpl = jinja_parse(template_source);
        std::map<std::string, jinja_value> globals;
        globals["raise_exception"] = jinja_make_function(raise_exception);
        globals["strftime_now"] = jinja_make_function(strftime_now);
        // transformers always passes these, so `tools is defined` holds and `tools is none` tells.
        globals["tools"] = jinja_none();
        globals["documents"] = jinja_none();
        globals["bos_token"] = jinja_string(input.bos_token);
        globals["eos_token"] = jinja_string(input.eos_token);
        // As in transformers, extra variables override the special tokens.
        if (!input.extra.is_object()) fail(where, "extra template variables must be a JSON object");
        for (const auto& [name, value] : input.extra.items()) globals[name] = jinja_from_json(value);
        globals["messages"] = prepare_messages(input.messages);
        globals["add_generation_prompt"] = jinja_bool(input.add_generation_prompt);
        return jinja_render(*tmpl, globals);
    } catch (const jinja_error& e) {
        fail(where, "line " + std::to_string(e.line) + ", column " + std::to_string(e.column) + ": " + e.message);
    }
}

}  // namespace clinote
