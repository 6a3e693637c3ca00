#include "server/model_host.h"

#include "server/http_json.h"

namespace clinote {

void model_host_init(model_host& h, std::unique_ptr<model> m, const std::string& id, int64_t n_ctx) {
    h.m = std::move(m);
    h.id = id;
    h.st = inference_state_create(*h.m, n_ctx);
    h.n_ctx = h.st.n_ctx;
}

void model_host_require_fits(const model_host& h, size_t n_prompt, int64_t max_tokens) {
    if (n_prompt == 0) throw api_error(400, "empty_prompt", "prompt: empty");
    if (int64_t(n_prompt) + max_tokens > h.n_ctx)
        throw api_error(400, "context_length_exceeded",
                        "the prompt has " + std::to_string(n_prompt) + " tokens; with max_tokens " +
                            std::to_string(max_tokens) + " it needs more than the context of " +
                            std::to_string(h.n_ctx) + " tokens");
}

generate_result model_host_generate(model_host& h, job& j, const lora_adapter* adapter,
                                    const std::vector<int32_t>& prompt, const generate_params& params) {
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

    return generate(*h.m, h.st, prompt, p, [&j](const std::string& piece) { return job_emit(j, piece); });
}

}  // namespace clinote
