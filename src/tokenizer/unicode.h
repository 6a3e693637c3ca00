// The Unicode the tokenizers need: UTF-8 code points, the classes the pre-tokenizer regexes
// use (\p{L}, \p{N}, \s as Oniguruma defines them), NFC, and Rust's lossy UTF-8 decoding.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.h"  // utf8_append

namespace clinote {

enum unicode_class : uint8_t { unicode_letter = 1, unicode_number = 2, unicode_whitespace = 4 };

// Mask of unicode_class bits for a code point.
uint8_t unicode_classes(uint32_t cp);

// Decodes the code point at s[i] and advances i. The input must be valid UTF-8.
uint32_t utf8_next(std::string_view s, size_t& i);

// Canonical composition (NFC), as the NFC normalizer of Qwen2's tokenizer.json.
std::string unicode_nfc(std::string_view s);

// Bytes to text the way Rust's String::from_utf8_lossy does: each maximal invalid
// subpart becomes one U+FFFD.
std::string utf8_lossy(std::string_view bytes);

}  // namespace clinote
