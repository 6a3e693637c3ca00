// Cost of one constrained-decoding step: the token mask over a real vocabulary (default model,
// 49K tokens) at typical places in a ClinicalSummary, against matching every token one by one;
// then the share of decode time the constraint costs: the same prompt decoded with and without
// the grammar mask, alternating runs in one process, time per token compared.
// Usage: grammar_bench [model.gguf] [schema.json] [decode tokens per run, default 64; 0 skips]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>

#include "core/paths.h"
#include "generate/chat_prompt.h"
#include "generate/json_constraint.h"
#include "generate/grammar.h"
#include "model/transformer.h"
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

    const int decode_tokens = argc > 3 ? std::atoi(argv[3]) : 64;
    if (decode_tokens <= 0) return 0;
    sf.clear();
    sf.seekg(0);
    const auto schema = nlohmann::ordered_json::parse(sf);
    auto m = model_load(model);
    const nlohmann::json messages = nlohmann::json::array(
        {{{"role", "system"}, {"content", "You are a medical scribe. Output the ClinicalSummary JSON object for this visit."}},
         {{"role", "user"},
          {"content", "Transcript:\nDoctor: What brings you in?\nPatient: Chest pain when I climb stairs, for two "
                      "weeks. I take lisinopril 10 mg daily.\nDoctor: Blood pressure is 150 over 90. We will get an "
                      "ECG and start aspirin 81 mg."}}});
    const std::vector<int32_t> prompt = chat_prompt_tokens(m->tok, messages, true);
    std::vector<double> plain_ms, constrained_ms;
    int64_t n_plain = 0, n_constrained = 0;
    for (int rep = 0; rep < 3; rep++) {
        for (bool constrained : {false, true}) {
            auto c = json_constraint_create(schema, m->tok);
            generate_params params;
            params.max_tokens = decode_tokens;
            if (constrained) params.filter = &c->filter;
            inference_state st = inference_state_create(*m, int64_t(prompt.size()) + decode_tokens + 8);
            const generate_result r = generate(*m, st, prompt, params);
            const size_t n = std::max<size_t>(r.tokens.size(), 1);
            (constrained ? constrained_ms : plain_ms).push_back(1000.0 * r.decode_seconds / double(n));
            (constrained ? n_constrained : n_plain) += int64_t(r.tokens.size());
        }
    }
    std::sort(plain_ms.begin(), plain_ms.end());
    std::sort(constrained_ms.begin(), constrained_ms.end());
    const double plain = plain_ms[1], with_mask = constrained_ms[1];
    std::printf("decode (median of 3 runs each, %lld + %lld tokens): %.2f ms/token without the grammar mask, %.2f ms/token "
                "with it: the constraint costs %+.1f%% of decode time\n",
                (long long)n_plain, (long long)n_constrained, plain, with_mask, 100.0 * (with_mask / plain - 1.0));
    return 0;
}
