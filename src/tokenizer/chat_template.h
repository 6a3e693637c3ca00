// Renders a model's Jinja chat template exactly as transformers' apply_chat_template does
// for the supported families (a Jinja subset interpreter: the statements, expressions,
// filters and tests these templates use).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace clinote {

struct chat_template_input {
    nlohmann::json messages = nlohmann::json::array();  // [{"role":..., "content":...}, ...]
    bool add_generation_prompt = false;
    std::string bos_token;
    std::string eos_token;
    nlohmann::json extra = nlohmann::json::object();    // more template variables (tools, date_string, ...)
};

// Throws clinote::error naming the problem (syntax error with line/column, undefined
// function, raise_exception(...) from the template itself).
std::string chat_template_render(const std::string& template_source, const chat_template_input& input);

// A template clinote carries for models whose files have none, by name ("gemma3": the
// Gemma 3 family's, which the gemma3 architecture gets by default); null for other names.
const char* chat_template_builtin(const std::string& name);
// The built-in names, comma-separated, for help texts and errors.
std::string chat_template_builtin_names();

}  // namespace clinote
