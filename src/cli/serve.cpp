// clinote serve: the local server (OpenAI API, scribe API over the vault, web UI). Runs
// until SIGINT or SIGTERM, then shuts down gracefully.
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <pthread.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "catalog/model_catalog.h"
#include "cli/commands.h"
#include "cli/model_options.h"
#include "cli/speech_options.h"
#include "core/error.h"
#include "core/paths.h"
#include "server/server.h"

namespace clinote {

namespace {

struct serve_options {
    model_options model;
    server_options server;
    std::vector<std::string> model_specs;    // PATH or NAME=PATH; the first is loaded at start
    std::vector<std::string> adapter_specs;  // NAME=PATH or BASE+NAME=PATH
};

std::pair<std::string, std::string> spec_parse(const std::string& flag, const std::string& spec) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
        fail(flag, "'" + spec + "': expected NAME=PATH");
    return {spec.substr(0, eq), spec.substr(eq + 1)};
}

// "NAME=PATH", or a path (which may hold '=' only if it exists as given) named by its stem; a
// PATH may be an installed model's name (`clinote models`).
std::pair<std::string, std::string> model_spec_parse(const std::string& spec) {
    if (spec.find('=') == std::string::npos || std::filesystem::exists(spec))
        return {"", model_reference_resolve(spec, models_dir())};
    auto [name, path] = spec_parse("--model", spec);
    return {name, model_reference_resolve(path, models_dir())};
}

void run_serve(serve_options opt) {
    // SIGINT/SIGTERM are taken by sigwait below, so they must be blocked in every thread:
    // block them before any thread (OpenMP, HTTP, worker) exists, which inherit the mask.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up is a failed write, not the end of the server

    opt.server.n_ctx = opt.model.n_ctx;
    const bool no_default_adapter =
        std::find(opt.adapter_specs.begin(), opt.adapter_specs.end(), "none") != opt.adapter_specs.end();
    for (const std::string& spec : opt.adapter_specs)
        if (spec != "none") opt.server.adapters.push_back(spec_parse("--adapter", spec));
    if (opt.model_specs.empty()) opt.model_specs.push_back(opt.model.model_path);
    const auto [first_name, first_path] = model_spec_parse(opt.model_specs[0]);
    // The default model comes with its clinical adapter, served as "<model>+clinical" and used
    // for notes unless a request names another (--adapter none: the bare model only).
    model_options first = opt.model;
    first.model_path = first_path;
    first.adapter_path = no_default_adapter ? "none" : "";
    if (const std::string shipped = adapter_path_resolve(first); !shipped.empty()) {
        const bool named = std::any_of(opt.server.adapters.begin(), opt.server.adapters.end(),
                                       [](const auto& a) { return a.first == "clinical"; });
        if (!named) opt.server.adapters.emplace_back("clinical", shipped);
        opt.server.note_adapter = "clinical";
    }
    if (!first_name.empty() && opt.server.model_id.empty()) opt.server.model_id = first_name;
    for (size_t i = 1; i < opt.model_specs.size(); i++) {
        auto [name, path] = model_spec_parse(opt.model_specs[i]);
        if (name.empty()) name = model_id_from_path(path);
        opt.server.models.emplace_back(name, path);
    }
    opt.server.model_loader = [flags = opt.model](const std::string& path) {
        model_options o = flags;
        o.model_path = path;
        return load_model_for_cli(o);
    };
    if (const char* key = std::getenv("CLINOTE_BACKEND_KEY"); key && !opt.server.backend.url.empty())
        opt.server.backend.api_key = key;
    auto m = opt.server.model_loader(first_path);
    const bool generated_token = opt.server.token.empty() && !host_is_loopback(opt.server.host);
    server_ptr s = server_start(opt.server, std::move(m));
    for (const auto& [name, path] : opt.server.models)
        std::fprintf(stderr, "clinote: base model %s from %s (loaded when a request names it)\n", name.c_str(), path.c_str());
    for (const auto& [name, path] : opt.server.adapters)
        std::fprintf(stderr, "clinote: adapter %s from %s\n", name.c_str(), path.c_str());
    if (!opt.server.backend.url.empty())
        std::fprintf(stderr, "clinote: notes are decoded by the backend %s%s%s\n", opt.server.backend.url.c_str(),
                     opt.server.backend.model.empty() ? "" : ", model ", opt.server.backend.model.c_str());
    std::fprintf(stderr, "clinote: serving on http://%s:%d/ (Ctrl-C stops)\n", opt.server.host.c_str(), server_port(*s));
    if (generated_token) std::fprintf(stderr, "clinote: bearer token (send as 'Authorization: Bearer <token>'): %s\n",
                                      server_token(*s).c_str());
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::fprintf(stderr, "clinote: %s: stopping (cancelling queued and running jobs)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server_stop(*s);
    std::fprintf(stderr, "clinote: stopped\n");
}

}  // namespace

void add_serve_command(CLI::App& app) {
    auto opt = std::make_shared<serve_options>();
    CLI::App* cmd = app.add_subcommand("serve", "Serve the OpenAI API, the scribe API and the web UI on this computer");
    add_model_flags(cmd, opt->model);
    // The server takes several base models and adapters, each by name, instead of the one
    // --model and --adapter of the other commands.
    cmd->remove_option(cmd->get_option("--model"));
    cmd->add_option("-m,--model", opt->model_specs,
                    "PATH or NAME=PATH: a base model (.gguf file or Hugging Face directory); repeatable. The first "
                    "is loaded at start; only one is ever in memory: a request whose \"model\" names another waits "
                    "for the jobs ahead of it, then the worker swaps models (POST /api/model changes the default). "
                    "NAME defaults to the file's name, lower case. Default: " + opt->model.model_path);
    cmd->remove_option(cmd->get_option("--adapter"));
    cmd->add_option("--adapter", opt->adapter_specs,
                    "NAME=PATH: a LoRA adapter (PEFT directory or GGUF LoRA file) for the first base model (the default "
                    "model brings its clinical adapter as 'clinical', used for notes; 'none' leaves it out), or "
                    "BASE+NAME=PATH for the base named BASE; clients choose it with \"model\": \"<base>+NAME\"; "
                    "repeatable. More can be loaded, replaced and removed while serving (POST/DELETE /api/adapters)");
    server_options& s = opt->server;
    cmd->add_option("--model-id", s.model_id,
                    "Name clients give as \"model\" for the first base model; default: its NAME= or its file's name, "
                    "lower case");
    cmd->add_option("--host", s.host, "Address to bind; anything but loopback requires a bearer token")->capture_default_str();
    cmd->add_option("--port", s.port, "TCP port; 0: any free port")->capture_default_str()->check(CLI::Range(0, 65535));
    cmd->add_option("--token", s.token,
                    "Bearer token clients must send (also on loopback when given); generated and printed when "
                    "binding elsewhere without one. Default: $CLINOTE_TOKEN")
        ->envname("CLINOTE_TOKEN");
    cmd->add_option("--vault", s.vault_dir, "Vault folder for the scribe API (created on first unlock if empty)");
    cmd->add_option("--vault-idle-lock", s.vault_idle_lock_s, "Lock the vault after this many idle seconds; 0: never")
        ->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--actor", s.actor, "Name the vault's audit log records for actions through the server")
        ->capture_default_str();
    s.whisper_dir = default_whisper_path();
    cmd->add_option("--whisper", s.whisper_dir,
                    "Whisper model directory for dictation (POST /api/encounters/ID/audio), loaded on the first "
                    "recording")
        ->capture_default_str();
    cmd->add_option("--train-dir", s.train_dir,
                    "Folder where training runs started from the server (POST /api/training) write their "
                    "adapters, logs and loss plots")
        ->capture_default_str();
    cmd->add_option("--data-dir", s.data_dir,
                    "The only folder whose datasets POST /api/training may name (symlinks resolved)")
        ->capture_default_str();
    cmd->add_option("--adapter-dir", s.adapter_dir,
                    "The only folder (besides --train-dir) whose adapters POST /api/adapters may name")
        ->capture_default_str();
    cmd->add_option("--embedding-model", s.embedding_dir,
                    "Sentence encoder folder for /v1/embeddings (BERT-style, safetensors); default: "
                    "models/all-MiniLM-L6-v2");
    cmd->add_option("--web", s.web_dir, "Folder of the web UI's files; default: web/ of clinote's files (the source tree, or share/clinote when installed)");
    cmd->add_option("--queue", s.queue_capacity, "Jobs that may wait for the model; more get 503 + Retry-After")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--max-tokens", s.default_max_tokens, "Tokens to generate when a request does not say")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--max-body", s.max_body_bytes, "Largest request body in bytes; larger gets 413")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--timeout", s.read_timeout_s, "Seconds a client has to send a request's body, after its head")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--head-timeout", s.head_timeout_s,
                    "Seconds a client has to send a request's whole head (request line and headers)")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--max-connections", s.max_connections,
                    "Connections open at once; at the cap a new one displaces the one waiting longest for its head")
        ->capture_default_str()->check(CLI::PositiveNumber);
    s.request_log = true;
    cmd->add_flag_function(
        "--quiet", [opt](int64_t) { opt->server.request_log = false; },
        "No log line per request on stderr (method, path, status, bytes, milliseconds)");
    cmd->add_flag_function(
        "--insecure-test-kdf", [opt](int64_t) { opt->server.vault_kdf = "min"; },
        "Create vaults with the test-only key derivation cost (8 KiB, 1 pass): fast to open and fast to guess. For "
        "tests only");
    cmd->add_option("--allow-host", s.allowed_hosts,
                    "A name this server may be reached by besides localhost, 127.0.0.1, [::1] and --host (repeatable); "
                    "requests naming any other Host are refused (DNS rebinding)");
    cmd->add_option("--backend", s.backend.url,
                    "Decode the scribe's notes on another OpenAI-compatible server at this URL (vLLM, llama.cpp's server, "
                    "another clinote serve), e.g. http://gpu-box:8000; prompts, templates, checks and the vault stay here. -m "
                    "must name the backend's base model (its tokenizer writes the prompts). A bearer token for it is read "
                    "from CLINOTE_BACKEND_KEY")
        ->check([](const std::string& url) {
            try {
                backend_url_check(url);
            } catch (const clinote::error& e) {
                const std::string message = e.what();  // "--backend: ...", and CLI11 names the flag itself
                return message.substr(message.find(": ") + 2);
            }
            return std::string();
        });
    cmd->add_option("--backend-model", s.backend.model,
                    "The model the backend is asked for, e.g. a vLLM LoRA's name or another clinote's \"BASE+clinical\"; "
                    "default: the backend's own default");
    cmd->add_option("--cors-origin", s.cors_origin,
                    "Allow browser pages from this origin (e.g. http://localhost:3000) to call the API; default: none");
    cmd->callback([opt] { run_serve(*opt); });
}

}  // namespace clinote
