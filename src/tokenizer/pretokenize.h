// The pre-tokenizer split regexes of each family, as hand-written matchers (std::regex has
// no \p{L} / \p{N}); each equals the Oniguruma regex Hugging Face `tokenizers` runs.
#pragma once
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace clinote {

// Appends the pieces of text (views into it) that BPE encodes one at a time.
void pretokenize(pretokenizer_kind kind, std::string_view text, std::vector<std::string_view>& words);

}  // namespace clinote
