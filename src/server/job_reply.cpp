// Waiting for a job on an HTTP connection: streamed (SSE, or JSON lines) or as one JSON document.
#include <algorithm>

#include "server/http_json.h"
#include "server/server_context.h"

namespace clinote {

void throw_queue_full(server_context& ctx) {
    if (ctx.stopping) throw api_error(503, "shutting_down", "the server is shutting down");
    throw api_error(503, "queue_full",
                    "the job queue is full (" + std::to_string(ctx.queue.capacity) +
                        " waiting); retry after " + std::to_string(job_queue_retry_after(ctx.queue)) + " s");
}

nlohmann::json job_reply_body(job& j) {
    std::lock_guard<std::mutex> lock(j.mu);
    if (j.state == job_state::failed) return error_body(j.error_status, "job_failed", j.error);
    if (!j.result.is_object()) return nlohmann::json{{"finish_reason", "cancelled"}};
    return j.result;
}

std::string sse_event(const nlohmann::json& data) {
    return "data: " + data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

namespace {

// Drives a chunked response from a job: probe while there is nothing to send, cancel the
// job when a write fails (the client has gone).
struct job_pump {
    server_context& ctx;
    std::shared_ptr<job> j;
    std::function<std::string(const std::vector<std::string>& pieces)> on_pieces;
    std::function<std::string(job&)> on_end;
    std::string probe;

    bool step(httplib::DataSink& sink) {
        std::vector<std::string> pieces;
        const bool ended = job_wait(*j, ctx.opt.heartbeat_ms, pieces);
        std::string out = pieces.empty() ? std::string() : on_pieces(pieces);
        if (ended) {
            out += on_end(*j);
            std::lock_guard<std::mutex> lock(j->mu);
            if (j->result.is_object() && j->result.contains("prompt_tokens"))
                request_log_tokens(j->result.value("prompt_tokens", int64_t(0)), j->result.value("completion_tokens", int64_t(0)));
        }
        if (out.empty()) out = probe;
        if (!sink.write(out.data(), out.size())) {
            job_queue_cancel(ctx.queue, *j);
            return false;
        }
        if (ended) sink.done();
        return true;
    }
};

void pump_start(httplib::Response& res, const char* content_type, std::shared_ptr<job_pump> pump) {
    res.status = 200;
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Job-Id", std::to_string(pump->j->id));
    pump->ctx.open_replies++;
    res.set_chunked_content_provider(
        content_type, [pump](size_t, httplib::DataSink& sink) { return pump->step(sink); },
        // Called when the response ends for any reason: a job nobody reads any more stops.
        [pump](bool) {
            job_queue_cancel(pump->ctx.queue, *pump->j);
            pump->ctx.open_replies--;
        });
}

// A stream of one text record per piece; `probe` keeps the connection tested while waiting.
void reply_job_stream(server_context& ctx, httplib::Response& res, std::shared_ptr<job> j,
                      std::function<std::string(const std::string& piece)> piece, std::function<std::string(job& j)> end,
                      const char* content_type, const char* probe) {
    auto pump = std::make_shared<job_pump>(job_pump{ctx, j, {}, std::move(end), probe});
    pump->on_pieces = [piece](const std::vector<std::string>& pieces) {
        std::string out;
        for (const std::string& p : pieces) out += piece(p);
        return out;
    };
    pump_start(res, content_type, pump);
}

}  // namespace

void reply_job_events(server_context& ctx, httplib::Response& res, std::shared_ptr<job> j,
                      std::function<std::string(const std::string& piece)> piece,
                      std::function<std::string(job& j)> end) {
    reply_job_stream(ctx, res, std::move(j), std::move(piece), std::move(end), "text/event-stream", ": waiting\n\n");
}

void reply_job_lines(server_context& ctx, httplib::Response& res, std::shared_ptr<job> j,
                     std::function<std::string(const std::string& piece)> piece, std::function<std::string(job& j)> end) {
    // A space, never a line of its own: each line must be one JSON object, and leading
    // whitespace is allowed before the next.
    reply_job_stream(ctx, res, std::move(j), std::move(piece), std::move(end), "application/x-ndjson", " ");
}

void reply_job_json(server_context& ctx, httplib::Response& res, std::shared_ptr<job> j,
                    std::function<nlohmann::json(job& j)> end) {
    auto on_end = [end](job& jj) {
        nlohmann::json body;
        if (job_get_state(jj) == job_state::failed) {
            std::lock_guard<std::mutex> lock(jj.mu);
            body = error_body(jj.error_status, "job_failed", jj.error);
        } else {
            body = end(jj);
        }
        return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    };
    auto pump = std::make_shared<job_pump>(
        job_pump{ctx, j, [](const std::vector<std::string>&) { return std::string(); }, on_end, " "});
    pump_start(res, "application/json", pump);
}

}  // namespace clinote
