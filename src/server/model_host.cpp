#include "server/model_host.h"

#include "generate/generate_sections.h"

#include "server/http_json.h"

namespace clinote {

void model_host_add(model_host& h, std::unique_ptr<model> m, const std::string& id, int64_t n_ctx) {
    base_model b;
    b.id = id;
    b.path = m->path;
    b.tok = m->tok;
    b.has_tokenizer = m->has_tokenizer;
    b.n_ctx = n_ctx > 0 ? n_ctx : m->config.n_ctx_train;
    b.arch = m->config.arch_name;
    b.n_layer = m->config.n_layer;
    b.n_embd = m->config.n_embd;
    h.bases.push_back(std::move(b));
    if (h.bases.size() > 1) return;  // only looked at: its tokenizer and context are kept
    h.m = std::move(m);
    h.st = inference_state_create(*h.m, h.bases[0].n_ctx);
    h.loaded = 0;
}

int64_t model_host_find(const model_host& h, const std::string& id) {
    for (size_t i = 0; i < h.bases.size(); i++)
        if (h.bases[i].id == id) return int64_t(i);
    return -1;
}

const base_model& model_host_default(const model_host& h) { return h.bases[h.default_base]; }

model& model_host_require(model_host& h, size_t base) {
    if (h.m && h.loaded == base) return *h.m;
    const base_model& b = h.bases[base];
    h.st = inference_state{};
    h.m.reset();
    h.m = h.load(b.path);
    // The tokenizer read at start, which may carry a chat template the file lacks.
    h.m->tok = b.tok;
    h.st = inference_state_create(*h.m, b.n_ctx);
    h.loaded = base;
    h.switches++;
    return *h.m;
}

void model_host_require_fits(const base_model& b, size_t n_prompt, int64_t max_tokens) {
    if (n_prompt == 0) throw api_error(400, "empty_prompt", "prompt: empty");
    if (int64_t(n_prompt) + max_tokens > b.n_ctx)
        throw api_error(400, "context_length_exceeded",
                        "the prompt has " + std::to_string(n_prompt) + " tokens; with max_tokens " +
                            std::to_string(max_tokens) + " it needs more than the context of " +
                            std::to_string(b.n_ctx) + " tokens");
}

generate_result model_host_generate(model_host& h, job& j, size_t base, const lora_adapter* adapter,
                                    const std::vector<int32_t>& prompt, const generate_params& params,
                                    const std::vector<std::string>& headings, const text_callback& on_text) {
    model& m = model_host_require(h, base);
    // Every job starts from an empty cache: reusing a cached prefix would make the answer
    // depend on the previous request (a batched prefill and one-token steps round
    // differently), and equal requests must get equal answers.
    inference_state_truncate(h.st, 0);
    h.st.adapter = adapter;

    // Counting tokens through the filter hook sees every sampled token, also those a stop
    // string or a UTF-8 tail holds back from the text stream.
    const token_filter* inner = params.filter;
    token_filter counting;
    counting.apply = [inner](float* logits, int32_t n) {
        if (inner) inner->apply(logits, n);
    };
    counting.accept = [inner, &j](int32_t token) {
        j.tokens_done++;
        if (inner) inner->accept(token);
    };
    generate_params p = params;
    p.filter = &counting;

    return generate_sections(m, h.st, prompt, headings, p, [&j, &on_text](const std::string& piece) {
        return on_text ? !j.cancel_requested && on_text(piece) : job_emit(j, piece);
    });
}

}  // namespace clinote
