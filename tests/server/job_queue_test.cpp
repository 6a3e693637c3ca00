// The queue on its own (positions, a full queue, cancelling, stopping) and through the
// server (a client that hangs up cancels its job; shutdown ends running streams).
#include <atomic>
#include <thread>

#include "server/job_queue.h"
#include "server_fixture.h"

namespace clinote {
namespace {

// A job that blocks until released, so tests control what runs when.
struct gate {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    void release() {
        {
            std::lock_guard<std::mutex> lock(mu);
            open = true;
        }
        cv.notify_all();
    }
    void wait(job& j) {
        // Cancelling does not notify this gate: look at the flag every few milliseconds.
        std::unique_lock<std::mutex> lock(mu);
        while (!cv.wait_for(lock, std::chrono::milliseconds(5), [&] { return open || j.cancel_requested.load(); })) {
        }
    }
};

bool wait_until_state(job& j, job_state s) {
    for (int i = 0; i < 2000 && job_get_state(j) != s; i++) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return job_get_state(j) == s;
}

TEST(JobQueue, PositionsFullQueueAndOrder) {
    job_queue q;
    job_queue_start(q, 2);
    gate g;
    std::vector<int> order;
    std::mutex order_mu;
    auto make = [&](int n) {
        return [&, n](job& j) {
            if (n == 0) g.wait(j);
            std::lock_guard<std::mutex> lock(order_mu);
            order.push_back(n);
            return nlohmann::json(n);
        };
    };
    auto a = job_queue_submit(q, "t", 0, make(0));
    ASSERT_TRUE(a);
    ASSERT_TRUE(wait_until_state(*a, job_state::running));
    auto b = job_queue_submit(q, "t", 0, make(1));
    auto c = job_queue_submit(q, "t", 0, make(2));
    ASSERT_TRUE(b && c);
    EXPECT_EQ(job_queue_position(q, *a), 0);
    EXPECT_EQ(job_queue_position(q, *b), 1);
    EXPECT_EQ(job_queue_position(q, *c), 2);
    EXPECT_EQ(job_queue_submit(q, "t", 0, make(3)), nullptr);  // two waiting: full
    EXPECT_EQ(job_queue_get_stats(q).rejected, 1);
    EXPECT_GE(job_queue_retry_after(q), 1);
    g.release();
    std::vector<std::string> pieces;
    while (!job_wait(*c, 1000, pieces)) {
    }
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(job_queue_position(q, *a), -1);
    EXPECT_EQ(c->result, 2);
    EXPECT_EQ(job_queue_find(q, b->id), b);
    job_queue_stop(q);
}

TEST(JobQueue, CancelWhileQueuedAndWhileRunningAndStop) {
    job_queue q;
    job_queue_start(q, 8);
    gate g;
    auto running = job_queue_submit(q, "t", 0, [&](job& j) {
        g.wait(j);
        return nlohmann::json(j.cancel_requested ? "stopped" : "finished");
    });
    ASSERT_TRUE(wait_until_state(*running, job_state::running));
    auto queued = job_queue_submit(q, "t", 0, [](job&) { return nlohmann::json(1); });
    auto last = job_queue_submit(q, "t", 0, [](job&) { return nlohmann::json(2); });
    job_queue_cancel(q, *queued);
    EXPECT_EQ(job_get_state(*queued), job_state::cancelled);
    EXPECT_EQ(job_queue_position(q, *last), 1);  // moved up
    job_queue_cancel(q, *running);
    ASSERT_TRUE(wait_until_state(*running, job_state::cancelled));
    EXPECT_EQ(running->result, "stopped");
    std::vector<std::string> pieces;
    while (!job_wait(*last, 1000, pieces)) {
    }
    EXPECT_EQ(job_get_state(*last), job_state::done);

    // Stopping cancels what waits and what runs.
    gate never;
    auto blocked = job_queue_submit(q, "t", 0, [&](job& j) {
        never.wait(j);
        return nlohmann::json(nullptr);
    });
    ASSERT_TRUE(wait_until_state(*blocked, job_state::running));
    auto waiting = job_queue_submit(q, "t", 0, [](job&) { return nlohmann::json(3); });
    job_queue_stop(q);
    EXPECT_EQ(job_get_state(*blocked), job_state::cancelled);
    EXPECT_EQ(job_get_state(*waiting), job_state::cancelled);
    EXPECT_EQ(job_queue_submit(q, "t", 0, [](job&) { return nlohmann::json(4); }), nullptr);
}

TEST(JobQueue, EmitStopsOnceCancelledAndWaitTakesPiecesInOrder) {
    job_queue q;
    job_queue_start(q, 4);
    auto j = job_queue_submit(q, "t", 3, [](job& jj) {
        for (int i = 0; i < 3; i++) job_emit(jj, std::to_string(i));
        return nlohmann::json("ok");
    });
    std::vector<std::string> pieces;
    while (!job_wait(*j, 1000, pieces)) {
    }
    EXPECT_EQ(pieces, (std::vector<std::string>{"0", "1", "2"}));
    job k;
    k.cancel_requested = true;
    EXPECT_FALSE(job_emit(k, "x"));
    job_queue_stop(q);
}

TEST(JobQueue, ClientThatHangsUpCancelsItsJob) {
    server_options opt;
    opt.heartbeat_ms = 50;
    test::running_server srv(opt);
    const nlohmann::json body = {{"model", "stories"},
                                 {"prompt", "Once upon a time"},
                                 {"max_tokens", 4000},
                                 {"temperature", 0},
                                 {"stream", true}};
    httplib::Client c("127.0.0.1", server_port(*srv.s));
    int chunks = 0;
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/completions";
    req.body = body.dump();
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) { return ++chunks < 3; };  // then hang up
    c.send(req);
    EXPECT_GE(chunks, 3);
    // The job ends cancelled well before its 4000 tokens.
    nlohmann::json j;
    for (int i = 0; i < 400; i++) {
        j = srv.get_json("/api/jobs/1");
        if (j["state"] != "running") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_EQ(j["state"], "cancelled");
    EXPECT_LT(j["tokens_done"].get<int64_t>(), 4000);
}

TEST(JobQueue, ShutdownEndsARunningStreamCleanly) {
    test::running_server srv;
    std::string body;
    std::thread client([&] {
        httplib::Client c("127.0.0.1", server_port(*srv.s));
        c.set_read_timeout(60, 0);
        auto r = c.Post("/v1/completions",
                        nlohmann::json{{"model", "stories"}, {"prompt", "Once"}, {"max_tokens", 4000}, {"stream", true}}.dump(),
                        "application/json");
        if (r) body = r->body;
    });
    for (int i = 0; i < 400; i++) {
        const nlohmann::json j = srv.get_json("/api/jobs");
        if (!j["data"].empty() && j["data"][0]["tokens_done"] > 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    server_stop(*srv.s);
    client.join();
    const auto events = test::sse_events(body);
    ASSERT_GE(events.size(), 2u);
    EXPECT_EQ(events.back(), "[DONE]");
    EXPECT_EQ(events[events.size() - 2]["choices"][0]["finish_reason"], "cancelled");
}

}  // namespace
}  // namespace clinote
