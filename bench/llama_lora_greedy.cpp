// Greedy continuation of a raw prompt with llama.cpp, optionally with a GGUF LoRA adapter
// (llama_adapter_lora_init, as llama-cli --lora loads it): the reference that
// bench/llama_lora_check.sh compares `clinote generate --adapter` against.
// Usage: llama_lora_greedy MODEL.gguf PROMPT N_TOKENS [ADAPTER.gguf]
// Prints the continuation on stdout; the prompt's token ids on stderr.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "llama.h"

static void quiet_log(ggml_log_level, const char*, void*) {}

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s MODEL.gguf PROMPT N_TOKENS [ADAPTER.gguf]\n", argv[0]);
        return 2;
    }
    llama_log_set(quiet_log, nullptr);
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    mp.use_extra_bufts = false;  // as bench/llama_logits.cpp: no repacked (AMX) weights
    llama_model* model = llama_model_load_from_file(argv[1], mp);
    if (!model) { std::fprintf(stderr, "%s: cannot load model\n", argv[1]); return 1; }
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 1024;
    cp.n_batch = 1024;
    cp.n_threads = cp.n_threads_batch = 1;
    llama_context* ctx = llama_init_from_model(model, cp);
    llama_adapter_lora* adapter = nullptr;
    if (argc > 4) {
        adapter = llama_adapter_lora_init(model, argv[4]);
        if (!adapter) { std::fprintf(stderr, "%s: llama.cpp cannot load this LoRA\n", argv[4]); return 1; }
        float scale = 1.0f;
        if (llama_set_adapters_lora(ctx, &adapter, 1, &scale) != 0) { std::fprintf(stderr, "cannot apply LoRA\n"); return 1; }
    }
    const llama_vocab* vocab = llama_model_get_vocab(model);
    const std::string prompt = argv[2];
    std::vector<llama_token> tokens(prompt.size() + 8);
    const int n = llama_tokenize(vocab, prompt.c_str(), int32_t(prompt.size()), tokens.data(), int32_t(tokens.size()),
                                 /*add_special=*/true, /*parse_special=*/true);
    if (n < 0) { std::fprintf(stderr, "tokenize failed\n"); return 1; }
    tokens.resize(size_t(n));
    for (llama_token t : tokens) std::fprintf(stderr, "%d ", t);
    std::fprintf(stderr, "\n");

    const int n_gen = std::atoi(argv[3]);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    std::vector<llama_token> next = tokens;
    for (int i = 0; i < n_gen; i++) {
        if (llama_decode(ctx, llama_batch_get_one(next.data(), int32_t(next.size()))) != 0) return 1;
        const float* logits = llama_get_logits_ith(ctx, -1);
        llama_token best = 0;
        for (llama_token t = 1; t < n_vocab; t++)
            if (logits[t] > logits[best]) best = t;
        if (llama_vocab_is_eog(vocab, best)) break;
        char piece[256];
        const int len = llama_token_to_piece(vocab, best, piece, sizeof piece, 0, true);
        std::fwrite(piece, 1, size_t(len > 0 ? len : 0), stdout);
        next.assign(1, best);
    }
    std::printf("\n");
    if (adapter) llama_adapter_lora_free(adapter);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
