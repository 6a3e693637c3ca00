// clinote's logits at every position of a list of token ids, optionally with a LoRA adapter
// applied unmerged (as `clinote generate --adapter` does): the side of
// bench/lora_logits_check.sh that is compared with llama.cpp's bench/llama_logits.cpp.
// Token ids come from the command line so that both engines see the same ids; the
// tokenizers are compared separately (clinote's own ids for the prompt go to stderr).
// Usage: clinote_logits MODEL.gguf OUT.f32 --matmul int8|float [--adapter A] [--prompt TEXT] ID...
// OUT.f32: [n_tokens, n_vocab] float32, row-major.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/transformer.h"
#include "ops/linear.h"

using namespace clinote;

int main(int argc, char** argv) try {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s MODEL.gguf OUT.f32 --matmul int8|float [--adapter A] [--prompt TEXT] ID...\n",
                     argv[0]);
        return 2;
    }
    std::string adapter_path, prompt, matmul;
    std::vector<int32_t> ids;
    for (int i = 3; i < argc; i++) {
        const std::string a = argv[i];
        if (a == "--adapter" && i + 1 < argc) adapter_path = argv[++i];
        else if (a == "--prompt" && i + 1 < argc) prompt = argv[++i];
        else if (a == "--matmul" && i + 1 < argc) matmul = argv[++i];
        else ids.push_back(int32_t(std::atoi(argv[i])));
    }
    if (matmul != "int8" && matmul != "float") throw error("--matmul must be int8 or float");
    auto m = model_load(argv[1]);
    m->matmul = matmul == "int8" ? matmul_mode::int8 : matmul_mode::f32;
    if (!prompt.empty()) {
        for (int32_t t : tokenizer_encode(m->tok, prompt, true)) std::fprintf(stderr, "%d ", t);
        std::fprintf(stderr, "\n");
    }
    std::unique_ptr<lora_adapter> adapter;
    if (!adapter_path.empty()) adapter = std::make_unique<lora_adapter>(lora_adapter_load(adapter_path, *m));
    inference_state st = inference_state_create(*m, int64_t(ids.size()) + 16);
    st.adapter = adapter.get();
    std::vector<float> logits(ids.size() * size_t(m->config.n_vocab));
    model_forward(*m, st, ids.data(), int64_t(ids.size()), logits.data(), /*all_logits=*/true);
    FILE* out = std::fopen(argv[2], "wb");
    if (!out) throw error(std::string(argv[2]) + ": cannot write");
    std::fwrite(logits.data(), sizeof(float), logits.size(), out);
    std::fclose(out);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "clinote_logits: %s\n", e.what());
    return 1;
}
