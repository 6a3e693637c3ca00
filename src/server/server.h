// `clinote serve`: one model in memory behind a job queue, the OpenAI API (/v1/...), the
// scribe API over the vault (/api/...), the web UI (web/), health, metrics and an OpenAPI
// document. Loopback by default; any other bind address needs a bearer token.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/model.h"
#include "scribe/backend_decoder.h"

namespace clinote {

struct server_options {
    std::string host = "127.0.0.1";
    int port = 8080;                // 0: any free port (server_port tells which)
    std::string token;              // bearer token; required (generated if empty) off loopback
    std::string model_id;           // the first base's name for clients; empty: the model file's stem
    // Further bases NAME → PATH (GGUF file or Hugging Face directory), loaded in place of the
    // one in memory when a request names them; opened once at start for their tokenizer.
    std::vector<std::pair<std::string, std::string>> models;
    // How the worker loads a base (the CLI applies its thread and matmul options); empty: model_load.
    std::function<std::unique_ptr<model>(const std::string& path)> model_loader;
    int64_t n_ctx = 4096;
    int default_max_tokens = 256;   // when a request gives none
    bool request_log = false;       // one line per request on stderr (clinote serve: on unless --quiet)
    size_t queue_capacity = 64;     // jobs waiting beyond the running one; more → 503
    size_t max_body_bytes = 4u << 20;
    int head_timeout_s = 10;        // a request's whole head (line and headers) must arrive within this
    int read_timeout_s = 30;        // and its whole body within this after the head
    size_t max_connections = 512;   // open at once; at the cap a new one displaces the longest-waiting head
    int write_timeout_s = 30;
    int heartbeat_ms = 500;         // while a client waits, how often the connection is probed
    std::string cors_origin;        // empty: no CORS headers (browsers refuse cross-origin calls)
    // Names besides localhost, 127.0.0.1, [::1] and the bound address that a request's Host
    // may carry; any other Host is refused (DNS rebinding). Not checked on a wildcard bind
    // (0.0.0.0, ::), which needs a token instead.
    std::vector<std::string> allowed_hosts;
    std::string web_dir;            // the UI's files; empty: <source>/web
    std::string vault_dir;          // empty: the scribe API answers 409 "no vault configured"
    // KDF cost of a vault created through the API (store/kdf.h levels): the server's choice,
    // never a request's; "min" (a test-only cost) only with serve --insecure-test-kdf.
    std::string vault_kdf = "moderate";
    double vault_idle_lock_s = 900; // lock the vault after this long without a call; 0: never
    std::string actor = "clinician";
    // LoRA adapters served as "<base>+NAME": NAME → PEFT directory or GGUF LoRA file, for the
    // first base, or BASE+NAME → path for another.
    std::vector<std::pair<std::string, std::string>> adapters;
    // The adapter a scribe-API note uses when the request names none (an "adapter" of ""
    // asks for the bare base); empty: the bare base. clinote serve sets it to the shipped
    // clinical adapter when the first base is the default model.
    std::string note_adapter;
    // Notes decoded by another OpenAI-compatible server (serve --backend); empty url: here.
    backend_options backend;
    std::string train_dir = "clinote-runs";  // where training runs (POST /api/training) write
    // The only folders whose files requests may name: training datasets, and adapters for
    // POST /api/adapters (besides train_dir, where runs write theirs).
    std::string data_dir = "data";
    std::string adapter_dir = "adapters";
    std::string whisper_dir;        // Whisper for POST /api/encounters/{id}/audio; loaded on first use
    std::string embedding_dir;      // sentence encoder for /v1/embeddings, loaded on first use; empty: models/all-MiniLM-L6-v2
};

struct server;
struct server_deleter {
    void operator()(server* s) const;  // stops (see server_stop) and frees
};
using server_ptr = std::unique_ptr<server, server_deleter>;

// Binds and starts serving on background threads; throws clinote::error when the address
// cannot be bound, a token is needed and malformed, or an adapter cannot be loaded.
server_ptr server_start(const server_options& opt, std::unique_ptr<model> m);
int server_port(const server& s);
// One HTTP request's bytes read as if from a connection, through the same routes and
// checks, on the calling thread and without a socket; returns the reply's bytes. The
// fuzzer and its regression tests drive the server this way.
std::string server_handle_request(server& s, std::string_view request);
// The token clients must send ("" when none is required).
const std::string& server_token(const server& s);
// Graceful: stops accepting, cancels queued and running jobs (their clients get what was
// generated so far and finish_reason "cancelled"), waits for open requests, locks the vault.
void server_stop(server& s);

bool host_is_loopback(const std::string& host);
// A base model's default name: its file's stem, lower case.
std::string model_id_from_path(const std::string& path);

}  // namespace clinote
