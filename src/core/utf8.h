// UTF-8 validation: text from users and files is checked once at the boundary.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace clinote {

// True if s is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
// On failure, *bad_offset (if given) is the byte offset of the first bad sequence.
bool utf8_valid(std::string_view s, size_t* bad_offset = nullptr);

// Appends code point cp (<= U+10FFFF) encoded as UTF-8.
void utf8_append(std::string& out, uint32_t cp);

// Throws clinote::error "<where>: not valid UTF-8 (byte offset N)" if s is not UTF-8.
void utf8_require(std::string_view s, const std::string& where);

}  // namespace clinote
