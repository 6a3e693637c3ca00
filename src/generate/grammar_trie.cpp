// The token mask: a depth-first walk of the vocabulary's byte trie, one matcher state per
// depth, so a shared prefix is matched once and a refused byte prunes every token below it.
#include <algorithm>
#include <map>

#include "core/error.h"
#include "generate/grammar.h"

namespace clinote {

token_trie token_trie_build(const std::vector<std::string>& token_bytes, const std::vector<int32_t>& eog_ids) {
    token_trie t;
    t.n_vocab = int32_t(token_bytes.size());
    t.eog_ids = eog_ids;
    std::vector<bool> is_eog(token_bytes.size(), false);
    for (int32_t id : eog_ids) {
        if (id < 0 || id >= t.n_vocab) fail("token_trie", "end-of-generation id " + std::to_string(id) + " out of range");
        is_eog[size_t(id)] = true;
    }
    // Insertion trie first (children kept sorted by byte), flattened in depth-first order below.
    struct build_node {
        std::map<uint8_t, uint32_t> children;
        std::vector<int32_t> tokens;
    };
    std::vector<build_node> nodes(1);
    for (size_t id = 0; id < token_bytes.size(); id++) {
        const std::string& s = token_bytes[id];
        if (s.empty() || is_eog[id]) continue;
        if (s.size() > 255) fail("token_trie", "token " + std::to_string(id) + " is longer than 255 bytes");
        uint32_t cur = 0;
        for (char ch : s) {
            auto it = nodes[cur].children.find(uint8_t(ch));
            if (it == nodes[cur].children.end()) {
                const uint32_t next = uint32_t(nodes.size());
                nodes[cur].children.emplace(uint8_t(ch), next);
                nodes.emplace_back();
                cur = next;
            } else {
                cur = it->second;
            }
        }
        nodes[cur].tokens.push_back(int32_t(id));
    }
    t.byte.reserve(nodes.size());
    // Iterative pre-order walk: (build node, byte, depth); subtree_end is patched on the way out.
    struct item { uint32_t node; uint8_t byte; uint8_t depth; bool leaving; uint32_t flat; };
    std::vector<item> todo{{0, 0, 0, false, 0}};
    while (!todo.empty()) {
        item it = todo.back();
        todo.pop_back();
        if (it.leaving) {
            t.subtree_end[it.flat] = uint32_t(t.byte.size());
            continue;
        }
        const uint32_t flat = uint32_t(t.byte.size());
        t.byte.push_back(it.byte);
        t.depth.push_back(it.depth);
        t.subtree_end.push_back(0);
        t.token_begin.push_back(uint32_t(t.token_ids.size()));
        t.token_ids.insert(t.token_ids.end(), nodes[it.node].tokens.begin(), nodes[it.node].tokens.end());
        t.max_depth = std::max<int>(t.max_depth, it.depth);
        todo.push_back({0, 0, 0, true, flat});
        const auto& ch = nodes[it.node].children;
        for (auto c = ch.rbegin(); c != ch.rend(); ++c) todo.push_back({c->second, c->first, uint8_t(it.depth + 1), false, 0});
    }
    t.token_begin.push_back(uint32_t(t.token_ids.size()));
    return t;
}

void grammar_token_mask(const grammar_state& st, const token_trie& trie, std::vector<uint8_t>& allowed) {
    allowed.assign(size_t(trie.n_vocab), 0);
    const uint8_t complete = grammar_is_complete(st) ? 1 : 0;
    for (int32_t id : trie.eog_ids) allowed[size_t(id)] = complete;
    if (st.stack.empty()) return;
    std::vector<grammar_state> level(size_t(trie.max_depth) + 1, st);
    const uint32_t n = uint32_t(trie.byte.size());
    for (uint32_t i = 1; i < n;) {
        const uint8_t d = trie.depth[i];
        grammar_state& s = level[d];
        s.stack = level[d - 1].stack;
        s.started = true;
        if (!grammar_step(s, trie.byte[i])) {
            i = trie.subtree_end[i];
            continue;
        }
        for (uint32_t k = trie.token_begin[i]; k < trie.token_begin[i + 1]; k++) allowed[size_t(trie.token_ids[k])] = 1;
        i++;
    }
}

}  // namespace clinote
