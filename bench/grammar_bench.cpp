// Cost of one constrained-decoding step: the token mask over a real vocabulary (default model,
// 49K tokens) at typical places in a ClinicalSummary, against matching every token one by one.
// Usage: grammar_bench [model.gguf] [schema.json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>

#include "core/paths.h"
#include "generate/grammar.h"
#include "io/gguf.h"
#include "tokenizer/tokenizer.h"

using namespace clinote;
using clock_type = std::chrono::steady_clock;

template <class F>
double median_ms(int reps, F&& f) {
    std::vector<double> t;
    for (int i = 0; i < reps; i++) {
        const auto t0 = clock_type::now();
        f();
        t.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

int main(int argc, char** argv) {
    const std::string model = argc > 1 ? argv[1] : source_dir() + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
    const std::string schema_path = argc > 2 ? argv[2] : source_dir() + "/schemas/clinical_summary.schema.json";
    const tokenizer tok = tokenizer_from_gguf(gguf_open(model));
    std::set<int32_t> special;
    for (const added_token& a : tok.added)
        if (a.special && !tok.is_eog(a.id)) special.insert(a.id);
    std::vector<std::string> bytes;
    for (int32_t id = 0; id < tok.n_vocab(); id++) bytes.push_back(special.count(id) ? "" : tokenizer_token_bytes(tok, id));

    std::ifstream sf(schema_path);
    const json_grammar g = json_grammar_compile(nlohmann::ordered_json::parse(sf));
    token_trie trie;
    const double build_ms = median_ms(3, [&] { trie = token_trie_build(bytes, tok.eog_ids); });
    std::printf("vocab %d tokens, trie %zu nodes (max depth %d), build %.1f ms\n", tok.n_vocab(), trie.byte.size(),
                trie.max_depth, build_ms);

    const std::string head = "{\"patient\":{\"age\":";
    const std::pair<const char*, std::string> places[] = {
        {"start of document", ""},
        {"value of a nullable integer", head},
        {"inside a number", head + "4"},
        {"inside an enum", head + "41,\"sex\":\"fe"},
        {"after a value (',' or '}')", head + "41,\"sex\":\"female\""},
        {"inside free text", head + "41,\"sex\":\"female\"},\"encounter\":{\"date\":null,\"type\":null,\"reason\":\"chest pain on ex"},
    };
    std::vector<uint8_t> allowed;
    for (const auto& [name, prefix] : places) {
        grammar_state st = grammar_start(g);
        if (!grammar_advance(st, prefix)) {
            std::fprintf(stderr, "prefix refused: %s\n", prefix.c_str());
            return 1;
        }
        const double mask_ms = median_ms(50, [&] { grammar_token_mask(st, trie, allowed); });
        const size_t n_allowed = size_t(std::count(allowed.begin(), allowed.end(), 1));
        const double naive_ms = median_ms(5, [&] {
            for (const std::string& b : bytes) {
                grammar_state copy = st;
                allowed[0] ^= uint8_t(!b.empty() && grammar_advance(copy, b));
            }
        });
        std::printf("%-30s mask %7.3f ms  (%6zu allowed)   every token one by one %7.2f ms\n", name, mask_ms, n_allowed,
                    naive_ms);
    }
    return 0;
}
