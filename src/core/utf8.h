// UTF-8 validation: text from users and files is checked once at the boundary.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace clinote {

// True if s is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
// On failure, *bad_offset (if given) is the byte offset of the first bad sequence.
bool utf8_valid(std::string_view s, size_t* bad_offset = nullptr);

// Throws clinote::error "<where>: not valid UTF-8 (byte offset N)" if s is not UTF-8.
void utf8_require(std::string_view s, const std::string& where);

}  // namespace clinote
