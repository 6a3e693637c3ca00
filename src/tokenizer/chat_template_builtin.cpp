// Chat templates clinote carries itself, for model files that ship none (the Gemma 3
// base models' GGUF files, for instance). Each is the family's template string exactly as
// its tokenizer_config.json holds it; tests/tokenizer/chat_template_test.cpp checks
// it against the golden copy that transformers renders.
#include "tokenizer/chat_template.h"

namespace clinote {

namespace {

// Gemma 3 (and MedGemma): transformers' convert_gemma3_weights.py _CHAT_TEMPLATE.
constexpr const char* gemma3_template = R"jinja({{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '

' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '

' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '
' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>
' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model
'}}
{%- endif -%}
)jinja";

struct builtin_template {
    const char* name;
    const char* source;
};

constexpr builtin_template builtins[] = {{"gemma3", gemma3_template}};

}  // namespace

const char* chat_template_builtin(const std::string& name) {
    for (const builtin_template& b : builtins)
        if (name == b.name) return b.source;
    return nullptr;
}

std::string chat_template_builtin_names() {
    std::string names;
    for (const builtin_template& b : builtins) names += (names.empty() ? "" : ", ") + std::string(b.name);
    return names;
}

}  // namespace clinote
