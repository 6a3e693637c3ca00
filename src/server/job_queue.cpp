#include "server/job_queue.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.h"
#include "server/http_json.h"

namespace clinote {

namespace {

constexpr size_t k_recent_kept = 64;

bool is_final(job_state s) { return s == job_state::done || s == job_state::failed || s == job_state::cancelled; }

void job_finish(job& j, job_state s, nlohmann::json result, std::string error, int error_status) {
    {
        std::lock_guard<std::mutex> lock(j.mu);
        j.state = s;
        j.result = std::move(result);
        j.error = std::move(error);
        j.error_status = error_status;
    }
    j.cv.notify_all();
}

void remember(job_queue& q, const std::shared_ptr<job>& j) {
    q.recent.push_back(j);
    if (q.recent.size() > k_recent_kept) q.recent.erase(q.recent.begin());
}

void worker_loop(job_queue& q) {
    while (true) {
        std::shared_ptr<job> j;
        {
            std::unique_lock<std::mutex> lock(q.mu);
            q.cv.wait(lock, [&] { return q.stopping || !q.pending.empty(); });
            if (q.pending.empty()) return;  // stopping
            j = q.pending.front();
            q.pending.pop_front();
            q.running = j;
        }
        {
            std::lock_guard<std::mutex> lock(j->mu);
            j->state = job_state::running;
        }
        j->cv.notify_all();
        const auto t0 = std::chrono::steady_clock::now();
        job_state outcome = job_state::done;
        nlohmann::json result;
        std::string error;
        int status = 500;
        try {
            result = j->run(*j);
            if (j->cancel_requested) outcome = job_state::cancelled;
        } catch (const api_error& e) {
            outcome = job_state::failed;
            error = e.what();
            status = e.status;
        } catch (const std::exception& e) {
            outcome = job_state::failed;
            error = e.what();
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        {
            std::lock_guard<std::mutex> lock(q.mu);
            q.running.reset();
            q.stats.busy_seconds += seconds;
            q.stats.tokens_generated += j->tokens_done;
            if (outcome == job_state::done) q.stats.completed++;
            if (outcome == job_state::failed) q.stats.failed++;
            if (outcome == job_state::cancelled) q.stats.cancelled++;
            remember(q, j);
        }
        job_finish(*j, outcome, std::move(result), std::move(error), status);
    }
}

}  // namespace

const char* job_state_name(job_state s) {
    switch (s) {
        case job_state::queued: return "queued";
        case job_state::running: return "running";
        case job_state::done: return "done";
        case job_state::failed: return "failed";
        case job_state::cancelled: return "cancelled";
    }
    return "unknown";
}

bool job_emit(job& j, std::string piece) {
    if (j.cancel_requested) return false;
    {
        std::lock_guard<std::mutex> lock(j.mu);
        j.pieces.push_back(std::move(piece));
    }
    j.cv.notify_all();
    return true;
}

bool job_wait(job& j, int timeout_ms, std::vector<std::string>& out) {
    std::unique_lock<std::mutex> lock(j.mu);
    j.cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return !j.pieces.empty() || is_final(j.state); });
    for (std::string& p : j.pieces) out.push_back(std::move(p));
    j.pieces.clear();
    return is_final(j.state);
}

job_state job_get_state(job& j) {
    std::lock_guard<std::mutex> lock(j.mu);
    return j.state;
}

void job_queue_start(job_queue& q, size_t capacity) {
    q.capacity = capacity;
    q.worker = std::thread([&q] { worker_loop(q); });
}

void job_queue_stop(job_queue& q) {
    std::deque<std::shared_ptr<job>> dropped;
    {
        std::lock_guard<std::mutex> lock(q.mu);
        if (q.stopping) return;
        q.stopping = true;
        dropped.swap(q.pending);
        if (q.running) q.running->cancel_requested = true;
        q.stats.cancelled += int64_t(dropped.size());
    }
    for (auto& j : dropped) {
        j->cancel_requested = true;
        job_finish(*j, job_state::cancelled, nullptr, "the server is shutting down", 503);
    }
    q.cv.notify_all();
    if (q.worker.joinable()) q.worker.join();
}

std::shared_ptr<job> job_queue_submit(job_queue& q, const std::string& kind, int64_t tokens_max,
                                      std::function<nlohmann::json(job&)> run) {
    auto j = std::make_shared<job>();
    j->kind = kind;
    j->tokens_max = tokens_max;
    j->run = std::move(run);
    {
        std::lock_guard<std::mutex> lock(q.mu);
        if (q.stopping || q.pending.size() >= q.capacity) {
            q.stats.rejected++;
            return nullptr;
        }
        j->id = q.next_id++;
        q.pending.push_back(j);
        q.stats.submitted++;
    }
    q.cv.notify_all();
    return j;
}

void job_queue_cancel(job_queue& q, job& j) {
    j.cancel_requested = true;
    std::shared_ptr<job> removed;
    {
        std::lock_guard<std::mutex> lock(q.mu);
        auto it = std::find_if(q.pending.begin(), q.pending.end(), [&](const auto& p) { return p.get() == &j; });
        if (it == q.pending.end()) return;  // running: it stops at its next piece
        removed = *it;
        q.pending.erase(it);
        q.stats.cancelled++;
        remember(q, removed);
    }
    job_finish(j, job_state::cancelled, nullptr, "cancelled", 499);
}

int64_t job_queue_position(job_queue& q, const job& j) {
    std::lock_guard<std::mutex> lock(q.mu);
    if (q.running.get() == &j) return 0;
    for (size_t i = 0; i < q.pending.size(); i++)
        if (q.pending[i].get() == &j) return int64_t(i) + 1;
    return -1;
}

std::shared_ptr<job> job_queue_find(job_queue& q, int64_t id) {
    std::lock_guard<std::mutex> lock(q.mu);
    if (q.running && q.running->id == id) return q.running;
    for (auto& j : q.pending)
        if (j->id == id) return j;
    for (auto& j : q.recent)
        if (j->id == id) return j;
    return nullptr;
}

int job_queue_retry_after(job_queue& q) {
    std::lock_guard<std::mutex> lock(q.mu);
    const int64_t finished = q.stats.completed + q.stats.failed + q.stats.cancelled;
    const double mean = finished > 0 ? q.stats.busy_seconds / double(finished) : 1.0;
    return std::max(1, int(std::ceil(mean * double(q.pending.size() + 1))));
}

nlohmann::json job_to_json(job_queue& q, job& j) {
    const int64_t position = job_queue_position(q, j);
    nlohmann::json out = {{"id", j.id},
                          {"kind", j.kind},
                          {"state", job_state_name(job_get_state(j))},
                          {"position", position},
                          {"tokens_done", j.tokens_done.load()},
                          {"tokens_max", j.tokens_max}};
    return out;
}

job_queue_stats job_queue_get_stats(job_queue& q) {
    std::lock_guard<std::mutex> lock(q.mu);
    return q.stats;
}

size_t job_queue_length(job_queue& q) {
    std::lock_guard<std::mutex> lock(q.mu);
    return q.pending.size() + (q.running ? 1 : 0);
}

}  // namespace clinote
