// A conversation → the exact text and tokens the model sees: the model's own chat template,
// then the tokenizer without adding special tokens (the template writes them), as
// transformers' apply_chat_template(tokenize=True) does. Training and serving both call this.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace clinote {

std::string chat_prompt_render(const tokenizer& tok, const nlohmann::json& messages, bool add_generation_prompt);
std::vector<int32_t> chat_prompt_tokens(const tokenizer& tok, const nlohmann::json& messages, bool add_generation_prompt);

}  // namespace clinote
