// The base models the server knows and the one of them in memory, with its inference state
// (the KV cache's memory is kept between jobs). Requests name a base; the queue's worker
// swaps the model when it reaches a job for another base, so the jobs ahead of it run on the
// old one, and the old one is freed before the new one is loaded: never two in memory.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "generate/generate.h"
#include "model/model.h"
#include "model/transformer.h"
#include "server/job_queue.h"

namespace clinote {

// What HTTP threads need of a base while another may be loaded: requests are tokenised and
// checked against the context on the thread that accepts them.
struct base_model {
    std::string id;    // the name clients use in "model"
    std::string path;  // loaded again from here by the worker
    tokenizer tok;
    bool has_tokenizer = false;
    int64_t n_ctx = 0;
    std::string arch;             // "llama", "qwen2", "gemma3": what Ollama's /api/show and /api/tags call the family
    int n_layer = 0, n_embd = 0;  // for /api/show
};

struct model_host {
    std::vector<base_model> bases;  // fixed once serving; bases[0] is loaded at start
    std::function<std::unique_ptr<model>(const std::string& path)> load;
    std::atomic<size_t> default_base{0};  // what requests without a base (notes, training) use
    std::atomic<size_t> loaded{0};        // index into bases of the model in memory
    std::atomic<int64_t> switches{0};
    // Worker only.
    std::unique_ptr<model> m;
    inference_state st;
};

// Adds a base described by m (its tokenizer and context); the first one added stays loaded.
void model_host_add(model_host& h, std::unique_ptr<model> m, const std::string& id, int64_t n_ctx);
// The index of the base named id, or -1.
int64_t model_host_find(const model_host& h, const std::string& id);
const base_model& model_host_default(const model_host& h);

// On the worker: makes bases[base] the model in memory (frees the old one first).
model& model_host_require(model_host& h, size_t base);

// Generates on the worker with bases[base] (loaded first if another is in memory) and the
// LoRA adapter or none: pieces go to on_text, or to j (job_emit) without one, tokens_done
// counts the tokens, and a cancelled job stops at the next token. With headings, a note in
// those sections (generate/generate_sections.h).
generate_result model_host_generate(model_host& h, job& j, size_t base, const lora_adapter* adapter,
                                    const std::vector<int32_t>& prompt, const generate_params& params,
                                    const std::vector<std::string>& headings = {}, const text_callback& on_text = {});

// 400 when prompt + max_tokens cannot fit the base's context.
void model_host_require_fits(const base_model& b, size_t n_prompt, int64_t max_tokens);

}  // namespace clinote
