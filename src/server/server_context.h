// What the route files share: options, the model host, its adapters, the queue, the vault
// handle, the training runs and the counters behind /metrics.
#pragma once
#include <chrono>
#include <httplib.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "eval/clinical_facts.h"
#include "eval/sentence_encoder.h"
#include "server/adapters.h"
#include "server/job_queue.h"
#include "server/model_host.h"
#include "server/server.h"
#include "store/vault.h"

namespace clinote {

struct training_run;  // src/server/training_api.cpp
struct improve_job;   // src/server/improve_api.cpp
struct speech_host;   // src/server/speech_host.h

struct server_context {
    server_options opt;
    model_host host;
    adapter_registry adapters;
    fact_lexicons lexicons;  // the review checks' drug and finding lists (scribe/note_review.h)
    job_queue queue;
    std::string session_secret;  // made at start; the page's cookie, required on /api without a token
    std::atomic<bool> stopping{false};
    std::atomic<int> open_replies{0};  // responses still waiting on a job (shutdown lets them finish)

    std::mutex vault_mu;  // guards creating the handle and the two below; the vault locks itself for each call
    vault_ptr vault;
    // Wrong passphrases in a row, and when the next attempt is allowed (exponential back-off).
    int unlock_failures = 0;
    std::chrono::steady_clock::time_point unlock_retry_at{};

    std::mutex training_mu;  // guards the two below
    std::map<int64_t, std::shared_ptr<training_run>> training_runs;  // POST /api/training, by id
    int64_t next_training_id = 1;

    std::mutex improve_mu;  // guards the one below
    std::shared_ptr<improve_job> improve;  // the latest POST /api/improve

    std::mutex encoder_mu;  // guards the sentence encoder of /v1/embeddings, loaded on first use
    std::unique_ptr<sentence_encoder> encoder;

    std::mutex metrics_mu;
    std::map<std::string, int64_t> requests_by_route_status;  // "route status" → count
};

// 503 with Retry-After when the queue refused a job.
[[noreturn]] void throw_queue_full(server_context& ctx);
// Waits for a job a request needs done before it answers: its result, or its error as an
// api_error (503 when the queue refused it or the server is shutting down).
nlohmann::json job_result_wait(server_context& ctx, const std::shared_ptr<job>& j);

// Answers with the job's output as Server-Sent Events: `piece` turns each piece of text
// into events, `end` writes the final events once the job has ended. While the job waits
// or runs, a comment line probes the connection every heartbeat; a client that has gone
// cancels the job.
void reply_job_events(server_context& ctx, httplib::Response& res, std::shared_ptr<job> j,
                      std::function<std::string(const std::string& piece)> piece,
                      std::function<std::string(job& j)> end);

// The same as newline-delimited JSON (application/x-ndjson, Ollama's streams): `piece` and
// `end` return whole lines.
void reply_job_lines(server_context& ctx, httplib::Response& res, std::shared_ptr<job> j,
                     std::function<std::string(const std::string& piece)> piece, std::function<std::string(job& j)> end);

// Answers with one JSON document once the job ends (`end` builds it). The connection is
// probed with leading whitespace (JSON allows it) while the job waits, so a client that
// has gone cancels it; a job that fails answers its error body.
void reply_job_json(server_context& ctx, httplib::Response& res, std::shared_ptr<job> j,
                    std::function<nlohmann::json(job& j)> end);

std::string sse_event(const nlohmann::json& data);

// What a finished job answers: its result, its error body, or finish_reason "cancelled".
nlohmann::json job_reply_body(job& j);
// The tokens of the request this thread is answering, for its request log line (a job's
// prompt_tokens and completion_tokens, noted when its reply ends).
void request_log_tokens(int64_t prompt, int64_t completion);

void openai_routes_add(httplib::Server& http, server_context& ctx);
void ollama_routes_add(httplib::Server& http, server_context& ctx);
void llama_server_routes_add(httplib::Server& http, server_context& ctx);
void scribe_routes_add(httplib::Server& http, server_context& ctx);
void adapter_routes_add(httplib::Server& http, server_context& ctx);
void training_routes_add(httplib::Server& http, server_context& ctx);
void improve_routes_add(httplib::Server& http, server_context& ctx);
void audio_routes_add(httplib::Server& http, server_context& ctx);
void dictation_routes_add(httplib::Server& http, server_context& ctx, std::shared_ptr<speech_host> host);

// The clinic's adapter (improve_api.cpp): the vault's current version, served as
// "<base>+clinic" while the vault is unlocked. sync runs on the worker with the base in memory
// (it loads the version, or removes the entry when there is none or the vault is locked);
// refresh queues it. note_adapter_default: "clinic" when it is loaded for the default base,
// else the server's --note-adapter.
void clinic_adapter_sync(server_context& ctx, const model& m, size_t base);
std::shared_ptr<job> clinic_adapter_refresh(server_context& ctx);
std::string note_adapter_default(server_context& ctx);

// The open vault, or 409 (none configured) / 423 (locked).
vault& vault_require(server_context& ctx);
nlohmann::json transcript_json(const transcript_record& t);
const nlohmann::json& openapi_document();
// The methods /openapi.json lists for the path ("GET, HEAD, DELETE"), "" for an unknown path.
std::string openapi_allowed_methods(const std::string& path);
// {"loaded", "default", "switches"}: the base in memory, the one requests without a base get,
// and how many times the worker swapped models.
nlohmann::json model_host_json(const model_host& h);

}  // namespace clinote
