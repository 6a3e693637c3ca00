// What the OpenAI and Ollama routes share: a completion request once its fields are read
// (which model, the prompt's tokens, the decoding parameters, an optional JSON schema), the
// messages and schema checks, and the job that writes its choices on the worker.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "generate/generate.h"
#include "server/adapters.h"
#include "server/job_queue.h"

namespace clinote {

struct server_context;

struct completion_request {
    model_choice model;
    std::vector<int32_t> prompt;
    generate_params params;
    int64_t n = 1;  // choices, written one after another
    // The answer is decoded under this schema's grammar (JSON that always parses).
    std::shared_ptr<const nlohmann::ordered_json> schema;
    bool return_tokens = false;  // each choice also carries its generated token ids ("tokens")
};

// "messages" of a chat request: roles system/developer/user/assistant, content a string or
// text parts; 400 naming the message otherwise.
nlohmann::json completion_messages_parse(const nlohmann::json& body);

// Any JSON object: the schema OpenAI's response_format json_object and Ollama's "json"
// format decode under.
std::shared_ptr<const nlohmann::ordered_json> completion_any_object_schema();

// 400 naming `field` when the grammar cannot take the schema (checked when the request comes,
// not on the worker).
void completion_schema_check(const nlohmann::ordered_json& schema, const std::string& field);

// The model named by `name`, or the default base when it is empty.
model_choice completion_model(server_context& ctx, const std::string& name);

// Runs on the worker: each choice's text streamed to the job as it is written; a JSON
// answer cut short by max_tokens is completed by the grammar's shortest ending (streamed
// too), so it parses. {"choices": [{text, finish_reason, logprobs?: [{token, logprob, top:
// [[token, logprob]…]}] with params.top_logprobs ≥ 0}], "text", "finish_reason",
// "prompt_tokens", "completion_tokens", "prompt_seconds", "decode_seconds"}.
nlohmann::json completion_generate(server_context& ctx, job& j, const completion_request& r);

// The job's outcome as completion_generate's fields, also for a job cancelled before it ran.
nlohmann::json completion_outcome(job& j);

}  // namespace clinote
