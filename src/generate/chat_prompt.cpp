#include "generate/chat_prompt.h"

#include "core/error.h"
#include "tokenizer/chat_template.h"

namespace clinote {

std::string chat_prompt_render(const tokenizer& tok, const nlohmann::json& messages, bool add_generation_prompt) {
    if (tok.chat_template.empty())
        fail("chat template", "the model has no chat template (use --raw to send the prompt as it is)");
    chat_template_input in;
    in.messages = messages;
    in.add_generation_prompt = add_generation_prompt;
    in.bos_token = tok.bos_token;
    in.eos_token = tok.eos_token;
    return chat_template_render(tok.chat_template, in);
}

std::vector<int32_t> chat_prompt_tokens(const tokenizer& tok, const nlohmann::json& messages, bool add_generation_prompt) {
    return tokenizer_encode(tok, chat_prompt_render(tok, messages, add_generation_prompt), false);
}

}  // namespace clinote
