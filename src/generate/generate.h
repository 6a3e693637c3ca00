// The generation loop: prompt → tokens until an end-of-generation token, a stop string or
// the token limit, streaming text as it is produced (never half a UTF-8 character, never
// the beginning of a stop string that later completes).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "generate/sampling.h"
#include "model/transformer.h"

namespace clinote {

// Restricts which tokens may come next (constrained decoding): `apply` sets the logits of
// forbidden tokens to -inf; `accept` learns the chosen token.
struct token_filter {
    std::function<void(float* logits, int32_t n_vocab)> apply;
    std::function<void(int32_t token)> accept;
};

struct generate_params {
    int max_tokens = 256;
    // ≥ 0: each generated token's log-probability is kept in generate_result::logprobs, with
    // this many of the most likely tokens at its step (at most 20); -1: none.
    int top_logprobs = -1;
    std::vector<std::string> stop;  // stop strings (not included in the result)
    sampler_params sampling;
    const token_filter* filter = nullptr;
    // When this call continues an answer (a note written section by section): the answer's
    // tokens so far. The repetition guard then sees them and the tokens fed as the prompt as
    // part of the answer.
    std::vector<int32_t> answer_before;
    // The same for an answer sent whole as the prompt (a note continued on another server):
    // the prompt's last answer_in_prompt tokens are the answer so far.
    int64_t answer_in_prompt = 0;
};

// A generated token's log-probability under the model: the log-softmax of the model's
// logits at its step, before penalties, temperature or a constraint change them.
struct token_logprob {
    int32_t token = 0;
    float logprob = 0;
    std::vector<std::pair<int32_t, float>> top;  // the most likely tokens, most likely first
};

struct generate_result {
    std::string text;
    std::vector<int32_t> tokens;  // generated tokens (an end-of-generation token is not included)
    int64_t n_prompt = 0;
    std::vector<token_logprob> logprobs;  // per token of `tokens`, with params.top_logprobs ≥ 0
    std::string finish_reason;    // "stop" (end token or stop string), "length", "cancelled"
    double prefill_seconds = 0, decode_seconds = 0;
};

// Called with each new piece of text; return false to cancel.
using text_callback = std::function<bool(const std::string& piece)>;

// Runs from st's current position: the prompt is appended to what the cache holds.
generate_result generate(const model& m, inference_state& st, const std::vector<int32_t>& prompt,
                         const generate_params& params, const text_callback& on_text = {});

// Bytes that end in the middle of a UTF-8 character: how many trailing bytes to hold back.
size_t utf8_incomplete_tail(const std::string& s);

}  // namespace clinote
