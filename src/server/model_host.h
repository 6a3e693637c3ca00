// The one model the server holds and its inference state (the KV cache's memory is kept
// between jobs). Used from the job worker only, one job at a time.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "generate/generate.h"
#include "model/model.h"
#include "model/transformer.h"
#include "server/job_queue.h"

namespace clinote {

struct model_host {
    std::unique_ptr<model> m;
    std::string id;  // the name clients use in "model"
    int64_t n_ctx = 0;
    inference_state st;
};

void model_host_init(model_host& h, std::unique_ptr<model> m, const std::string& id, int64_t n_ctx);

// Generates on the worker for job j, with the LoRA adapter or none: pieces go to j
// (job_emit), tokens_done counts the tokens, and a cancelled job stops at the next token.
generate_result model_host_generate(model_host& h, job& j, const lora_adapter* adapter,
                                    const std::vector<int32_t>& prompt, const generate_params& params);

// 400 when prompt + max_tokens cannot fit the context.
void model_host_require_fits(const model_host& h, size_t n_prompt, int64_t max_tokens);

}  // namespace clinote
