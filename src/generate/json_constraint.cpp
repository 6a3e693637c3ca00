#include "generate/json_constraint.h"

#include <cmath>

namespace clinote {

std::unique_ptr<json_constraint> json_constraint_create(const nlohmann::ordered_json& schema, const tokenizer& tok) {
    auto c = std::make_unique<json_constraint>();
    c->grammar = json_grammar_compile(schema);
    c->state = grammar_start(c->grammar);
    c->token_bytes.resize(size_t(tok.n_vocab()));
    for (int32_t id = 0; id < tok.n_vocab(); id++) c->token_bytes[size_t(id)] = tokenizer_token_bytes(tok, id);
    // Special tokens write control text, never JSON: forbid them (the end tokens are handled by the trie).
    for (const added_token& a : tok.added)
        if (a.special && a.id >= 0 && a.id < tok.n_vocab()) c->token_bytes[size_t(a.id)].clear();
    c->trie = token_trie_build(c->token_bytes, tok.eog_ids);
    json_constraint* self = c.get();
    c->filter.apply = [self](float* logits, int32_t n_vocab) {
        grammar_token_mask(self->state, self->trie, self->allowed);
        for (int32_t i = 0; i < n_vocab; i++)
            if (i >= int32_t(self->allowed.size()) || !self->allowed[size_t(i)]) logits[i] = -INFINITY;
    };
    c->filter.accept = [self](int32_t token) { grammar_advance(self->state, self->token_bytes[size_t(token)]); };
    return c;
}

std::string json_constraint_finish(const json_constraint& c, const std::string& generated) {
    return generated + grammar_shortest_completion(c.state);
}

generate_result json_constraint_generate(const nlohmann::ordered_json& schema, const tokenizer& tok,
                                         const generate_params& params,
                                         const std::function<generate_result(const generate_params&)>& decode) {
    const auto constraint = json_constraint_create(schema, tok);
    generate_params p = params;
    p.filter = &constraint->filter;
    generate_result g = decode(p);
    if (g.finish_reason != "cancelled") g.text = json_constraint_finish(*constraint, g.text);
    return g;
}

}  // namespace clinote
