// Reading the texts to score: one JSON object per line, the text under a named field.
#pragma once
#include <string>
#include <vector>

namespace clinote {

struct jsonl_text {
    size_t line;  // 1-based line number in the file, for error messages about the pair
    std::string text;
};

// Blank lines are skipped. Throws clinote::error naming "<path>:<line>" for a line that is
// not UTF-8, not JSON, not an object, or lacks a string `field`; "<path>" if unreadable.
std::vector<jsonl_text> jsonl_texts_read(const std::string& path, const std::string& field = "text");

}  // namespace clinote
