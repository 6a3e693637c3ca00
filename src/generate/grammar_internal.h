// Pieces of the matcher that the schema compiler also needs (not part of the public API).
#pragma once
#include <string>

#include "generate/grammar.h"

namespace clinote {

// A fresh frame for a value of `node`, before its first byte.
grammar_frame grammar_frame_open(const json_grammar& g, uint32_t node);

// For a number frame: whether it can still be completed within the node's bounds and digit
// limits, and if `out` is given, the shortest bytes that do so ("" if it is already complete).
bool number_suffix(const grammar_node& n, const grammar_frame& f, std::string* out);

// The shortest complete value of `node` (its children's `shortest` must already be set).
std::string grammar_node_shortest(const json_grammar& g, uint32_t node);

}  // namespace clinote
