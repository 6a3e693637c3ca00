// Constrained decoding for a JSON Schema: a token_filter that lets the model pick only tokens
// that keep the output a valid prefix of a document the schema accepts, so structured output
// always parses.
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "generate/generate.h"
#include "generate/grammar.h"
#include "tokenizer/tokenizer.h"

namespace clinote {

struct json_constraint {
    json_grammar grammar;
    token_trie trie;
    grammar_state state;
    std::vector<std::string> token_bytes;
    std::vector<uint8_t> allowed;
    token_filter filter;
};

// The vocabulary trie is built once per call (≈ 50 ms for a 49K vocabulary); the filter
// points into the returned object, which must outlive the generation.
std::unique_ptr<json_constraint> json_constraint_create(const nlohmann::ordered_json& schema, const tokenizer& tok);

// The generated text, completed with the grammar's shortest ending when generation stopped
// early (token limit), so the result always parses.
std::string json_constraint_finish(const json_constraint& c, const std::string& generated);

// Runs `decode` with params under the schema's constraint, and returns its result with the
// text finished (json_constraint_finish) unless it was cancelled.
generate_result json_constraint_generate(const nlohmann::ordered_json& schema, const tokenizer& tok,
                                         const generate_params& params,
                                         const std::function<generate_result(const generate_params&)>& decode);

}  // namespace clinote
