// llama.cpp's logits at every position of a raw prompt, optionally with a GGUF LoRA adapter
// loaded as llama-cli --lora loads it (llama_adapter_lora_init, scale 1): the reference that
// bench/lora_logits_check.sh compares clinote's logits with.
// Usage: llama_logits MODEL.gguf PROMPT OUT.f32 [ADAPTER.gguf]
// OUT.f32: [n_tokens, n_vocab] float32, row-major; the prompt's token ids on stdout.
#include <cstdio>
#include <string>
#include <vector>

#include "llama.h"

static void quiet_log(ggml_log_level, const char*, void*) {}

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s MODEL.gguf PROMPT OUT.f32 [ADAPTER.gguf]\n", argv[0]);
        return 2;
    }
    llama_log_set(quiet_log, nullptr);
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    // No repacked weight layouts (llama-bench --repack 0): the plain CPU kernels. Their AMX
    // path faults on machines that report AMX but do not enable it for processes.
    mp.use_extra_bufts = false;
    llama_model* model = llama_model_load_from_file(argv[1], mp);
    if (!model) { std::fprintf(stderr, "%s: cannot load model\n", argv[1]); return 1; }
    const llama_vocab* vocab = llama_model_get_vocab(model);
    const std::string prompt = argv[2];
    std::vector<llama_token> tokens(prompt.size() + 8);
    const int n = llama_tokenize(vocab, prompt.c_str(), int32_t(prompt.size()), tokens.data(), int32_t(tokens.size()),
                                 /*add_special=*/true, /*parse_special=*/true);
    if (n <= 0) { std::fprintf(stderr, "tokenize failed\n"); return 1; }
    tokens.resize(size_t(n));

    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = cp.n_batch = cp.n_ubatch = uint32_t(n + 16);
    cp.n_threads = cp.n_threads_batch = 1;
    // An F32 KV cache, as clinote's float path keeps (llama.cpp's default is F16), so that an
    // F32 base is compared in F32 throughout.
    cp.type_k = cp.type_v = GGML_TYPE_F32;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;  // its CPU kernel rounds through F16
    llama_context* ctx = llama_init_from_model(model, cp);
    llama_adapter_lora* adapter = nullptr;
    if (argc > 4) {
        adapter = llama_adapter_lora_init(model, argv[4]);
        if (!adapter) { std::fprintf(stderr, "%s: llama.cpp cannot load this LoRA\n", argv[4]); return 1; }
        float scale = 1.0f;
        if (llama_set_adapters_lora(ctx, &adapter, 1, &scale) != 0) { std::fprintf(stderr, "cannot apply LoRA\n"); return 1; }
    }
    llama_batch batch = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; i++) {
        batch.token[i] = tokens[size_t(i)];
        batch.pos[i] = i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = 1;  // every position, not only the last
    }
    batch.n_tokens = n;
    if (llama_decode(ctx, batch) != 0) { std::fprintf(stderr, "decode failed\n"); return 1; }
    const int n_vocab = llama_vocab_n_tokens(vocab);
    FILE* out = std::fopen(argv[3], "wb");
    if (!out) { std::fprintf(stderr, "%s: cannot write\n", argv[3]); return 1; }
    for (int i = 0; i < n; i++) std::fwrite(llama_get_logits_ith(ctx, i), sizeof(float), size_t(n_vocab), out);
    std::fclose(out);
    for (llama_token t : tokens) std::printf("%d ", t);
    std::printf("\n");
    llama_batch_free(batch);
    if (adapter) llama_adapter_lora_free(adapter);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
