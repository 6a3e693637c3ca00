// Constrained decoding: a JSON Schema (the subset below) compiled to a deterministic pushdown
// matcher over BYTES, so a model can only write output that parses and validates.
//
// Supported keywords: type (one type or an array of types), properties, required,
// additionalProperties (with properties: false, or true/absent with only the declared properties
// written; without properties: absent/true for any keys with any values, or a schema for the
// values), items, minItems/maxItems, enum, const, minimum/maximum (integer and number),
// minLength/maxLength (code points), plus the annotations title, description, $schema, $id,
// $comment, examples, default, format, deprecated, readOnly, writeOnly. Anything else is an error.
// A schema with no type, enum or const (e.g. {}) allows any JSON value: {"type": "object"} is
// what OpenAI's json_object and Ollama's "json" format ask for.
//
// What the matcher writes is compact JSON: no whitespace, object keys in the schema's
// `properties` order, numbers without exponent (at most 15 integer digits and 6 decimals),
// strings as UTF-8 with JSON escapes (\uXXXX only outside the surrogate range). Every state it
// can reach can still be completed (length, item and range limits are enforced byte by byte),
// and grammar_shortest_completion gives the shortest way to do so when tokens run out.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace clinote {

// object: the schema's properties in their order; map: any keys (strings), every value of
// children[0] (children[1] is the keys' string node); the rest as their JSON types.
enum class grammar_kind : uint8_t { object, map, array, string, integer, number, literals, choice };

// One compiled schema node. Children are indices into json_grammar::nodes.
struct grammar_node {
    grammar_kind kind = grammar_kind::literals;
    // object: property i is written as the literal `"name":` then a value of node children[i]
    std::vector<std::string> keys;      // `"name":` per property, in schema order
    std::vector<bool> required;
    std::vector<uint8_t> close_ok;      // close_ok[i]: '}' may follow once properties < i are done
    // For each start property i, the properties that may come next (i up to the first required
    // one), as key literals sorted bytewise so a matched prefix is a contiguous range.
    std::vector<std::vector<std::pair<std::string, uint32_t>>> key_choices;
    std::vector<uint32_t> children;     // object: per property; map: [values, keys]; array: [items]; choice: alternatives
    uint32_t min_count = 0, max_count = UINT32_MAX;  // array items or string code points
    // integer / number bounds, scaled by 10^6 for numbers (integers are exact)
    __int128 lo = 0, hi = 0;
    bool bounded_lo = false, bounded_hi = false;
    std::vector<std::string> literals;  // literals: compact JSON texts, sorted bytewise
    bool first_byte[256] = {};          // which bytes can start a value of this node
    std::string shortest;               // the shortest complete value
};

struct json_grammar {
    std::vector<grammar_node> nodes;  // nodes[0] is the root
};

// One open value on the matcher's stack. The meaning of a, b, x, y depends on the node kind.
struct grammar_frame {
    uint32_t node = 0;
    uint8_t phase = 0;
    uint8_t negative = 0;
    uint32_t a = 0, b = 0, c = 0;
    int64_t x = 0, y = 0;
};

struct grammar_state {
    const json_grammar* grammar = nullptr;
    std::vector<grammar_frame> stack;  // empty once the root value is closed
    bool started = false;
};

// Throws clinote::error "json schema <pointer>: <problem>" naming the unsupported keyword or
// impossible constraint (e.g. "json schema /properties/a/pattern: unsupported keyword").
// ordered_json: keys are written in the order `properties` lists them, which a std::map-backed
// nlohmann::json would have sorted (parse the schema with nlohmann::ordered_json::parse).
json_grammar json_grammar_compile(const nlohmann::ordered_json& schema);

grammar_state grammar_start(const json_grammar& g);
// Feeds bytes; false (and st unchanged) if they are not allowed here.
bool grammar_advance(grammar_state& st, std::string_view bytes);
// One byte; on false st is left in an unspecified state (callers keep a copy). The trie walk
// and grammar_advance are built on it.
bool grammar_step(grammar_state& st, uint8_t byte);
// True when what was fed is a complete value (an end-of-generation token is allowed).
bool grammar_is_complete(const grammar_state& st);
// The shortest bytes that, fed next, make st complete ("" if it already is); a value that may
// be null is completed as null even where a shorter one exists (0 for a nullable integer).
std::string grammar_shortest_completion(const grammar_state& st);

// The vocabulary as a byte trie, so a mask walks shared prefixes once instead of matching
// every token. Nodes are stored in depth-first order: a rejected byte skips its whole subtree.
struct token_trie {
    std::vector<uint8_t> byte;            // per node (node 0 is the root)
    std::vector<uint8_t> depth;
    std::vector<uint32_t> subtree_end;    // one past the node's last descendant
    std::vector<uint32_t> token_begin;    // tokens ending at node i: token_ids[token_begin[i] .. token_begin[i+1])
    std::vector<int32_t> token_ids;
    std::vector<int32_t> eog_ids;         // allowed exactly when the grammar is complete
    int32_t n_vocab = 0;
    int max_depth = 0;
};

// token_bytes[id]: what token id writes; an empty string marks a token never allowed
// (special/control tokens other than the end-of-generation ones listed in eog_ids).
token_trie token_trie_build(const std::vector<std::string>& token_bytes, const std::vector<int32_t>& eog_ids);

// allowed[id] = 1 if token id may come next, else 0 (resized to trie.n_vocab).
void grammar_token_mask(const grammar_state& st, const token_trie& trie, std::vector<uint8_t>& allowed);

}  // namespace clinote
