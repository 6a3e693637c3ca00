#include "server/server.h"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "core/paths.h"
#include "server/http_gate.h"
#include "server/http_json.h"
#include "server/server_context.h"

namespace clinote {

struct server {
    server_context ctx;
    http_gate_server http;
    std::thread listener;
    int port = 0;
    bool stopped = false;
};

namespace {

std::string random_token() {
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    unsigned char bytes[24];
    if (!urandom.read(reinterpret_cast<char*>(bytes), sizeof bytes)) fail("/dev/urandom", "cannot read");
    static const char* hex = "0123456789abcdef";
    std::string t;
    for (unsigned char b : bytes) {
        t += hex[b >> 4];
        t += hex[b & 15];
    }
    return t;
}

bool equal_constant_time(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); i++) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

// The UI's files and the liveness check are public (the page asks for the token); every
// API path needs the token when one is set.
bool needs_token(const std::string& path) {
    return path.rfind("/v1/", 0) == 0 || path.rfind("/api/", 0) == 0 || path == "/metrics" || path == "/tokenize" ||
           path == "/detokenize" || path == "/props";
}

const char* session_cookie_name = "clinote_session";

// The value of cookie `name` in a Cookie header ("a=1; b=2"), "" when absent.
std::string cookie_value(const std::string& header, const std::string& name) {
    size_t pos = 0;
    while (pos < header.size()) {
        while (pos < header.size() && (header[pos] == ' ' || header[pos] == ';')) pos++;
        const size_t end = std::min(header.find(';', pos), header.size());
        const size_t eq = header.find('=', pos);
        if (eq < end && header.compare(pos, eq - pos, name) == 0) return header.substr(eq + 1, end - eq - 1);
        pos = end;
    }
    return "";
}

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// "name:port", "[v6]:port" or "name" -> the name ("[v6]" keeps its brackets), lower-cased.
std::string host_name_of(const std::string& host) {
    if (!host.empty() && host[0] == '[') return lower(host.substr(0, host.find(']') + 1));
    return lower(host.substr(0, host.rfind(':')));
}

// A page on another site the clinician has open can reach a loopback server two ways:
// through a name of its own that resolves to 127.0.0.1 (DNS rebinding: the browser then
// sends that name as Host), and by sending requests from its own origin (CSRF; the browser
// sends its Origin, and lets "simple" content types through without asking). Requests
// must name this server in Host, and state-changing ones must come from its own origin.
bool host_allowed(const server_options& opt, const httplib::Request& req) {
    if (opt.host == "0.0.0.0" || opt.host == "::" || opt.host.empty()) return true;
    const std::string host = req.get_header_value("Host");
    if (host.empty()) return true;  // HTTP/1.0 clients; a browser always sends Host
    const std::string name = host_name_of(host);
    if (name == "localhost" || name == "127.0.0.1" || name == "[::1]" || name == lower(opt.host) ||
        name == "[" + lower(opt.host) + "]")
        return true;
    for (const std::string& h : opt.allowed_hosts)
        if (name == lower(h)) return true;
    return false;
}

bool origin_allowed(const server_options& opt, const httplib::Request& req) {
    if (req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS") return true;
    if (!req.has_header("Origin")) return true;  // not a browser's cross-site request
    const std::string origin = req.get_header_value("Origin");
    if (!opt.cors_origin.empty() && origin == opt.cors_origin) return true;
    return lower(origin) == "http://" + lower(req.get_header_value("Host"));
}

// Whether path names a file of the web page (which answers GET and HEAD only).
bool web_file_exists(const std::string& web, const std::string& path) {
    namespace fs = std::filesystem;
    if (path.empty() || path[0] != '/') return false;  // "GET #x": httplib leaves the path empty
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(web, ec);
    const fs::path file = fs::weakly_canonical(root / (path == "/" ? "index.html" : path.substr(1)), ec);
    return !ec && file.string().rfind(root.string() + "/", 0) == 0 && fs::is_regular_file(file, ec);
}

// When the request being handled reached routing, for the request log line: a request is
// handled from routing to its log line by one worker thread.
thread_local std::chrono::steady_clock::time_point request_start;
thread_local int64_t request_prompt_tokens = -1, request_completion_tokens = -1;  // -1: no model ran

}  // namespace

void request_log_tokens(int64_t prompt, int64_t completion) {
    request_prompt_tokens = prompt;
    request_completion_tokens = completion;
}

namespace {

// Ollama's routes (ollama_api.cpp) share /api/ with the vault's but, like /v1, reach no data.
bool ollama_path(const std::string& path) {
    for (const char* p : {"/api/version", "/api/tags", "/api/show", "/api/chat", "/api/generate"})
        if (path == p) return true;
    return false;
}

void count_request(server_context& ctx, const httplib::Request& req, int status) {
    // Route families, not raw paths: ids in paths would grow the table without bound.
    std::string family = "static";
    for (const char* prefix : {"/v1/chat/completions", "/v1/completions", "/v1/models", "/v1/embeddings", "/api/vault",
                               "/api/encounters", "/api/jobs", "/api/adapters", "/api/model", "/api/dictation",
                               "/api/training", "/api/templates", "/api/version", "/api/tags", "/api/show", "/api/chat",
                               "/api/generate", "/tokenize", "/detokenize", "/props", "/health", "/metrics",
                               "/openapi.json"})
        if (req.path.rfind(prefix, 0) == 0) family = prefix;
    std::lock_guard<std::mutex> lock(ctx.metrics_mu);
    ctx.requests_by_route_status[family + " " + std::to_string(status)]++;
}

std::string metrics_text(server_context& ctx) {
    const job_queue_stats s = job_queue_get_stats(ctx.queue);
    std::ostringstream out;
    out << "# HELP clinote_http_requests_total HTTP requests by route family and status.\n"
           "# TYPE clinote_http_requests_total counter\n";
    {
        std::lock_guard<std::mutex> lock(ctx.metrics_mu);
        for (const auto& [key, n] : ctx.requests_by_route_status) {
            const size_t sp = key.rfind(' ');
            out << "clinote_http_requests_total{route=\"" << key.substr(0, sp) << "\",status=\"" << key.substr(sp + 1)
                << "\"} " << n << "\n";
        }
    }
    auto counter = [&](const char* name, const char* help, double v, const char* type = "counter") {
        out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n" << name << " " << v << "\n";
    };
    counter("clinote_jobs_submitted_total", "Jobs accepted into the queue.", double(s.submitted));
    counter("clinote_jobs_completed_total", "Jobs that finished.", double(s.completed));
    counter("clinote_jobs_failed_total", "Jobs that failed.", double(s.failed));
    counter("clinote_jobs_cancelled_total", "Jobs cancelled (client gone, DELETE, shutdown).", double(s.cancelled));
    counter("clinote_jobs_rejected_total", "Requests refused with 503 because the queue was full.", double(s.rejected));
    counter("clinote_tokens_generated_total", "Tokens sampled by all jobs.", double(s.tokens_generated));
    counter("clinote_worker_busy_seconds_total", "Seconds the model worker spent running jobs.", s.busy_seconds);
    counter("clinote_model_switches_total", "Times the worker swapped the base model in memory.", double(ctx.host.switches));
    counter("clinote_queue_length", "Jobs queued or running now.", double(job_queue_length(ctx.queue)), "gauge");
    return out.str();
}

void jobs_routes_add(httplib::Server& http, server_context& ctx) {
    http.Get("/api/jobs", [&ctx](const httplib::Request&, httplib::Response& res) {
        nlohmann::json list = nlohmann::json::array();
        std::vector<std::shared_ptr<job>> live;
        {
            std::lock_guard<std::mutex> lock(ctx.queue.mu);
            if (ctx.queue.running) live.push_back(ctx.queue.running);
            live.insert(live.end(), ctx.queue.pending.begin(), ctx.queue.pending.end());
        }
        for (auto& j : live) list.push_back(job_to_json(ctx.queue, *j));
        reply_json(res, {{"object", "list"}, {"data", list}});
    });
    http.Get(R"(/api/jobs/(\d+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
        auto j = job_queue_find(ctx.queue, path_id(req, 1));
        if (!j) throw api_error(404, "not_found", "job " + req.matches[1].str() + ": unknown or long finished");
        reply_json(res, job_to_json(ctx.queue, *j));
    });
    http.Delete(R"(/api/jobs/(\d+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
        auto j = job_queue_find(ctx.queue, path_id(req, 1));
        if (!j) throw api_error(404, "not_found", "job " + req.matches[1].str() + ": unknown or long finished");
        job_queue_cancel(ctx.queue, *j);
        reply_json(res, job_to_json(ctx.queue, *j));
    });
}

void routes_add(server& s) {
    httplib::Server& http = s.http;
    server_context& ctx = s.ctx;

    http.set_pre_routing_handler([&ctx](const httplib::Request& req, httplib::Response& res) {
        request_start = std::chrono::steady_clock::now();
        request_prompt_tokens = request_completion_tokens = -1;
        if (!host_allowed(ctx.opt, req)) {
            reply_error(res, 403, "host_not_allowed",
                        "Host: '" + req.get_header_value("Host") +
                            "' does not name this server (localhost, 127.0.0.1, [::1] or its address; "
                            "add names with --allow-host)");
            return httplib::Server::HandlerResponse::Handled;
        }
        if (!origin_allowed(ctx.opt, req)) {
            reply_error(res, 403, "origin_not_allowed",
                        "Origin: '" + req.get_header_value("Origin") +
                            "' is not this server's page (set --cors-origin to allow another origin)");
            return httplib::Server::HandlerResponse::Handled;
        }
        if (!ctx.opt.cors_origin.empty()) {
            res.set_header("Access-Control-Allow-Origin", ctx.opt.cors_origin);
            res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
            res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
            res.set_header("Vary", "Origin");
            if (req.method == "OPTIONS") {
                res.status = 204;
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        // Without a token, the vault API needs the per-launch secret that only the server's
        // own page receives (as an HttpOnly, SameSite=Strict cookie): a request from another
        // site's page never carries it. Ollama's routes, like /v1, never touch the vault.
        if (ctx.opt.token.empty() && req.path.rfind("/api/", 0) == 0 && !ollama_path(req.path) &&
            !equal_constant_time(cookie_value(req.get_header_value("Cookie"), session_cookie_name), ctx.session_secret)) {
            reply_error(res, 401, "missing_session",
                        std::string("Cookie: ") + session_cookie_name +
                            " missing or wrong; /api needs the cookie the server's page (/) sets, or a bearer token "
                            "with --token");
            return httplib::Server::HandlerResponse::Handled;
        }
        if (!ctx.opt.token.empty() && needs_token(req.path)) {
            const std::string auth = req.get_header_value("Authorization");
            // The scheme is case-insensitive (RFC 9110), so "bearer" is as good as "Bearer".
            const std::string prefix = "bearer ";
            const bool ok = lower(auth.substr(0, prefix.size())) == prefix &&
                            equal_constant_time(auth.substr(prefix.size()), ctx.opt.token);
            if (!ok) {
                res.set_header("WWW-Authenticate", "Bearer");
                reply_error(res, 401, auth.empty() ? "missing_token" : "invalid_token",
                            auth.empty() ? "Authorization: a bearer token is required (Authorization: Bearer <token>)"
                                         : "Authorization: wrong bearer token");
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        // The library would read (and discard) a body over the limit before answering 413,
        // so a client announcing a huge one could hold a thread until the read timeout.
        if (req.has_header("Content-Length")) {
            const std::string length = req.get_header_value("Content-Length");
            char* end = nullptr;
            const unsigned long long n = std::strtoull(length.c_str(), &end, 10);
            if (end != length.c_str() && *end == '\0' && n > ctx.opt.max_body_bytes) {
                res.set_header("Connection", "close");
                reply_error(res, 413, "body_too_large",
                            "body: Content-Length " + length + " is more bytes than the server accepts (" +
                                std::to_string(ctx.opt.max_body_bytes) + ", --max-body)");
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    http.set_post_routing_handler([&ctx](const httplib::Request& req, httplib::Response& res) {
        // Patient data: never cached; the page may load only its own scripts.
        res.set_header("Cache-Control", "no-store");
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
        res.set_header("Referrer-Policy", "no-referrer");
        count_request(ctx, req, res.status);
    });
    if (ctx.opt.request_log)
        http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
            const double ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - request_start).count();
            // A streamed reply's body is not kept: its size is unknown here, its tokens are not.
            const std::string tokens = request_prompt_tokens < 0 ? std::string()
                                       : " " + std::to_string(request_prompt_tokens) + "+" +
                                             std::to_string(request_completion_tokens) + " tokens";
            std::fprintf(stderr, "clinote: %s %s %d %zu B %.0f ms%s\n", req.method.c_str(), req.path.c_str(), res.status,
                         res.body.size(), ms, tokens.c_str());
        });
    http.set_exception_handler([&ctx](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        try {
            std::rethrow_exception(ep);
        } catch (const api_error& e) {
            reply_error(res, e.status, e.code, e.what());
        } catch (const clinote::error& e) {
            const std::string what = e.what();
            if (what.find("vault is locked") != std::string::npos) reply_error(res, 423, "vault_locked", what);
            else if (what.find(": no ") != std::string::npos) reply_error(res, 404, "not_found", what);
            else reply_error(res, 400, "invalid_request", what);
        } catch (const std::exception& e) {
            reply_error(res, 500, "internal_error", e.what());
        }
        if (res.status == 503) res.set_header("Retry-After", std::to_string(job_queue_retry_after(ctx.queue)));
    });
    const std::string web = ctx.opt.web_dir.empty() ? app_dir() + "/web" : ctx.opt.web_dir;
    http.set_error_handler([web](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;  // a handler's own error body
        std::string allowed = res.status == 404 ? openapi_allowed_methods(req.path) : "";
        if (res.status == 404 && allowed.empty() && web_file_exists(web, req.path)) allowed = "GET, HEAD";
        if (!allowed.empty() && (", " + allowed + ",").find(", " + req.method + ",") == std::string::npos) {
            res.set_header("Allow", allowed);
            reply_error(res, 405, "method_not_allowed", req.method + " " + req.path + ": allowed methods are " + allowed);
        } else if (res.status == 404) reply_error(res, 404, "not_found", req.path + ": no such route");
        else if (res.status == 413) reply_error(res, 413, "body_too_large", "body: larger than the server accepts");
        else if (res.status == 400) reply_error(res, 400, "bad_request", "request: malformed HTTP");
        else reply_error(res, res.status, "http_error", "HTTP " + std::to_string(res.status));
    });

    http.Get("/health", [&ctx](const httplib::Request&, httplib::Response& res) {
        bool vault_unlocked = false;
        {
            std::lock_guard<std::mutex> lock(ctx.vault_mu);
            vault_unlocked = ctx.vault && !vault_is_locked(*ctx.vault);
        }
        reply_json(res, {{"status", ctx.stopping ? "stopping" : "ok"},
                         {"model", ctx.host.bases[ctx.host.loaded].id},
                         {"models", model_host_json(ctx.host)},
                         // What a note request without "model" or "adapter" runs on, as /v1/models names it.
                         {"note_model", model_host_default(ctx.host).id +
                                            (note_adapter_default(ctx).empty() ? "" : "+" + note_adapter_default(ctx))},
                         // serve --backend: notes are decoded there, as this model (null: here).
                         {"note_backend", ctx.opt.backend.url.empty() ? nlohmann::json()
                                                                     : nlohmann::json{{"url", ctx.opt.backend.url},
                                                                                      {"model", ctx.opt.backend.model}}},
                         {"queue_length", job_queue_length(ctx.queue)},
                         {"queue_capacity", ctx.queue.capacity},
                         {"auth_required", !ctx.opt.token.empty()},
                         {"vault_configured", !ctx.opt.vault_dir.empty()},
                         {"vault_unlocked", vault_unlocked}});
    });
    http.Get("/metrics", [&ctx](const httplib::Request&, httplib::Response& res) {
        res.set_content(metrics_text(ctx), "text/plain; version=0.0.4");
    });
    http.Get("/openapi.json", [](const httplib::Request&, httplib::Response& res) { reply_json(res, openapi_document()); });
    jobs_routes_add(http, ctx);
    openai_routes_add(http, ctx);
    ollama_routes_add(http, ctx);
    llama_server_routes_add(http, ctx);
    scribe_routes_add(http, ctx);
    adapter_routes_add(http, ctx);
    training_routes_add(http, ctx);
    improve_routes_add(http, ctx);
    audio_routes_add(http, ctx);

    http.set_file_request_handler([&ctx](const httplib::Request&, httplib::Response& res) {
        if (ctx.opt.token.empty() && res.get_header_value("Content-Type").rfind("text/html", 0) == 0)
            res.set_header("Set-Cookie", std::string(session_cookie_name) + "=" + ctx.session_secret +
                                             "; HttpOnly; SameSite=Strict; Path=/");
    });
    if (!http.set_mount_point("/", web)) fail(web, "web UI folder not found (--web)");
    http.set_file_extension_and_mimetype_mapping("js", "text/javascript");
}

// Debian's cpp-httplib is a compiled library that listens with a backlog of 5, so a burst of
// clients (200 at once in the load test) meets connection resets before the job queue can
// answer them with 503. Linux lets listen() be called again on a listening socket to change
// its backlog; the library does not expose its socket, so find it by its port.
void listen_backlog_widen(int port) {
    DIR* fds = opendir("/proc/self/fd");
    if (!fds) return;
    while (const dirent* e = readdir(fds)) {
        const int fd = std::atoi(e->d_name);
        int listening = 0;
        socklen_t len = sizeof listening;
        if (fd <= 2 || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
        sockaddr_storage addr{};
        socklen_t addr_len = sizeof addr;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) continue;
        const int bound = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                                     : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
        if (bound == port) ::listen(fd, SOMAXCONN);
    }
    closedir(fds);
}

// The first base stays in memory; each other one is opened once, one at a time, for its
// tokenizer, its context and the adapters made for it, and freed again.
void bases_open(server_context& ctx, std::unique_ptr<model> first, const std::string& first_id) {
    model_host& h = ctx.host;
    auto adapters_load = [&](const model& m, const std::string& base_id) {
        for (const auto& [spec, path] : ctx.opt.adapters) {
            const size_t plus = spec.find('+');
            const std::string base = plus == std::string::npos ? first_id : spec.substr(0, plus);
            const std::string name = plus == std::string::npos ? spec : spec.substr(plus + 1);
            if (base != base_id) continue;
            try {
                adapter_registry_load(ctx.adapters, m, base_id, name, path);
            } catch (const api_error& e) {
                fail("--adapter " + spec, e.what());
            }
        }
    };
    for (const auto& [name, path] : ctx.opt.models) {
        if (name == first_id || model_host_find(h, name) >= 0) fail("--model " + name, "two base models with this name");
        if (h.bases.empty()) model_host_add(h, std::move(first), first_id, ctx.opt.n_ctx);
        std::unique_ptr<model> m = h.load(path);
        adapters_load(*m, name);
        model_host_add(h, std::move(m), name, ctx.opt.n_ctx);
    }
    if (h.bases.empty()) model_host_add(h, std::move(first), first_id, ctx.opt.n_ctx);
    adapters_load(*h.m, first_id);
    for (const auto& [spec, path] : ctx.opt.adapters) {
        const size_t plus = spec.find('+');
        if (plus != std::string::npos && model_host_find(h, spec.substr(0, plus)) < 0)
            fail("--adapter " + spec, "no base model named '" + spec.substr(0, plus) + "' (--model NAME=PATH)");
    }
}

}  // namespace

std::string model_id_from_path(const std::string& path) {
    std::string stem = std::filesystem::path(path).stem().string();
    for (char& c : stem) c = char(std::tolower(static_cast<unsigned char>(c)));
    return stem.empty() ? "model" : stem;
}

bool host_is_loopback(const std::string& host) {
    return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

server_ptr server_start(const server_options& opt, std::unique_ptr<model> m) {
    server_ptr s(new server);
    server_context& ctx = s->ctx;
    ctx.opt = opt;
    if (ctx.opt.token.empty() && !host_is_loopback(opt.host)) ctx.opt.token = random_token();
    ctx.session_secret = random_token();
    for (char c : ctx.opt.token)
        if (c <= ' ' || c > '~') fail("--token", "must be printable ASCII without spaces");
    ctx.host.load = opt.model_loader ? opt.model_loader : [](const std::string& path) { return model_load(path); };
    const std::string id = opt.model_id.empty() ? model_id_from_path(m->path) : opt.model_id;
    bases_open(ctx, std::move(m), id);
    ctx.lexicons = fact_lexicons_load(fact_lexicon_dir_default());
    job_queue_start(ctx.queue, opt.queue_capacity);

    http_gate_server& http = s->http;
    http_gate_options gate;
    gate.head_timeout_s = opt.head_timeout_s;
    gate.body_timeout_s = opt.read_timeout_s;
    gate.write_timeout_s = opt.write_timeout_s;
    gate.max_connections = opt.max_connections;
    // Every waiting client holds a thread (it probes its connection); a few more serve the
    // UI and the 503s for everyone beyond the queue.
    gate.threads = opt.queue_capacity + 16;
    http.set_payload_max_length(opt.max_body_bytes);
    http.set_keep_alive_timeout(opt.head_timeout_s);  // what the Keep-Alive header announces
    http.set_keep_alive_max_count(gate.keep_alive_max);
    routes_add(*s);
    http.gate_start(gate);

    if (opt.port == 0) {
        s->port = http.bind_to_any_port(opt.host);
        if (s->port < 0) fail(opt.host, "cannot bind");
    } else {
        if (!http.bind_to_port(opt.host, opt.port)) fail(opt.host + ":" + std::to_string(opt.port), "cannot bind (in use?)");
        s->port = opt.port;
    }
    listen_backlog_widen(s->port);
    s->listener = std::thread([srv = s.get()] { srv->http.listen_after_bind(); });
    return s;
}

int server_port(const server& s) { return s.port; }

std::string server_handle_request(server& s, std::string_view request) {
    httplib::detail::BufferStream stream;
    stream.write(request.data(), request.size());
    bool closed = false;
    s.http.process_request(stream, true, closed, nullptr);
    return stream.get_buffer().substr(request.size());
}
const std::string& server_token(const server& s) { return s.ctx.opt.token; }

void server_stop(server& s) {
    if (s.stopped) return;
    s.stopped = true;
    s.ctx.stopping = true;
    // Jobs first: their clients then get their final chunk and the handlers return.
    job_queue_stop(s.ctx.queue);
    // Let the replies of the cancelled jobs reach their clients before the sockets close.
    for (int i = 0; i < 500 && s.ctx.open_replies > 0; i++) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    s.http.stop();
    if (s.listener.joinable()) s.listener.join();
    s.http.gate_stop();
    std::lock_guard<std::mutex> lock(s.ctx.vault_mu);
    if (s.ctx.vault) vault_lock(*s.ctx.vault);
}

void server_deleter::operator()(server* s) const {
    server_stop(*s);
    delete s;
}

}  // namespace clinote
