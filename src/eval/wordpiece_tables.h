// Per-code-point facts for BERT's normalizer (see tools/make_wordpiece_tables.py), sorted by code point.
#pragma once
#include <cstddef>
#include <cstdint>

namespace clinote {

enum wordpiece_char_flag : uint8_t { wordpiece_punctuation = 1, wordpiece_control = 2, wordpiece_whitespace = 4 };

struct wordpiece_char_info {
    uint32_t code_point;
    uint8_t flags;           // wordpiece_char_flag bits
    const char* replacement;  // UTF-8 after NFD, dropping marks (Mn) and lower-casing
};

extern const wordpiece_char_info wordpiece_char_table[];
extern const size_t wordpiece_char_table_size;

}  // namespace clinote
