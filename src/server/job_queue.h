// One worker thread runs jobs one at a time (one model in memory); requests wait in a
// bounded queue. A job streams text pieces to whoever waits on it, reports its position
// and progress, and can be cancelled while queued or running (a client that went away).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace clinote {

enum class job_state { queued, running, done, failed, cancelled };
const char* job_state_name(job_state s);

struct job {
    int64_t id = 0;
    std::string kind;  // "chat.completion", "completion", "note", ...
    int64_t tokens_max = 0;
    std::atomic<int64_t> tokens_done{0};
    std::atomic<bool> cancel_requested{false};
    // Runs on the worker; returns the job's result, or throws (the message becomes `error`).
    std::function<nlohmann::json(job&)> run;

    // Guarded by mu: what the waiter has not taken yet, and the outcome.
    std::mutex mu;
    std::condition_variable cv;
    job_state state = job_state::queued;
    std::vector<std::string> pieces;
    nlohmann::json result;
    std::string error;
    int error_status = 500;
};

// Called from run(): hands one piece of output to the waiter. Returns false once the job
// is cancelled, so generation callbacks can stop.
bool job_emit(job& j, std::string piece);

// Waits up to timeout_ms for pieces or the end; moves new pieces into `out`. Returns true
// when the job has ended (state done, failed or cancelled) and every piece was taken.
bool job_wait(job& j, int timeout_ms, std::vector<std::string>& out);
job_state job_get_state(job& j);

struct job_queue_stats {
    int64_t submitted = 0, completed = 0, failed = 0, cancelled = 0, rejected = 0;
    int64_t tokens_generated = 0;
    double busy_seconds = 0;
};

struct job_queue {
    size_t capacity = 0;  // most jobs waiting (the running one not counted)
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::shared_ptr<job>> pending;
    std::shared_ptr<job> running;
    std::vector<std::shared_ptr<job>> recent;  // finished jobs kept for GET /api/jobs/{id}
    bool stopping = false;
    int64_t next_id = 1;
    job_queue_stats stats;
    std::thread worker;
};

void job_queue_start(job_queue& q, size_t capacity);
// Cancels the running and every queued job, waits for the worker to finish the running one.
void job_queue_stop(job_queue& q);

// nullptr when the queue is full or stopping (the caller answers 503).
std::shared_ptr<job> job_queue_submit(job_queue& q, const std::string& kind, int64_t tokens_max,
                                      std::function<nlohmann::json(job&)> run);
// A queued job leaves the queue at once; a running one stops at its next piece.
void job_queue_cancel(job_queue& q, job& j);
// 0: running; 1, 2, ...: place in line; -1: finished.
int64_t job_queue_position(job_queue& q, const job& j);
std::shared_ptr<job> job_queue_find(job_queue& q, int64_t id);
// Seconds a client refused with 503 should wait: the queue's length times the mean job time.
int job_queue_retry_after(job_queue& q);
// {"id","kind","state","position","tokens_done","tokens_max"}
nlohmann::json job_to_json(job_queue& q, job& j);
job_queue_stats job_queue_get_stats(job_queue& q);
size_t job_queue_length(job_queue& q);

}  // namespace clinote
