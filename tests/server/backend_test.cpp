// serve --backend: notes decoded by another OpenAI-compatible server. Against a second real
// clinote server the note is the one written here (note_write on the same model, greedy),
// whole or streamed, prose in many sections or JSON; a backend that is down, or that returns
// JSON the schema refuses, is a clear error and stores nothing.
#include <thread>

#include "core/error.h"
#include "notes/note_template.h"
#include "notes/summary_schema.h"
#include "scribe/backend_decoder.h"
#include "scribe/note_write.h"
#include "server_fixture.h"

namespace clinote {
namespace {

using test::running_server;

const std::string k_transcript =
    "Doctor: What brings you in today?\n"
    "Patient: I have had a headache for three days, worse on the left side.\n"
    "Doctor: Are you taking anything for it?\n"
    "Patient: Ibuprofen 400 mg twice a day. I'm allergic to penicillin.\n";

server_options front_options(const std::string& backend_url) {
    server_options o;
    o.backend.url = backend_url;
    o.backend.read_timeout_s = 120;
    return o;
}

std::string encounter_path(running_server& srv) {
    srv.post_json("/api/vault/unlock", {{"passphrase", "correct horse"}, {"create", true}});
    const nlohmann::json e = srv.post_json("/api/encounters", {{"title", "Headache"}, {"transcript", k_transcript}}, 201);
    return "/api/encounters/" + std::to_string(e["id"].get<int64_t>());
}

// What `clinote note` writes on the tiny model with the same request.
std::string local_note(const std::string& tmpl, bool json, int max_tokens) {
    auto m = test::tiny_model();
    note_request r;
    r.transcript = k_transcript;
    r.tmpl = template_find(tmpl);
    r.json = json;
    r.params.max_tokens = max_tokens;
    return note_write(*m, nullptr, r).text;
}

TEST(Backend, NotesThroughAnotherClinoteAreTheNotesWrittenHere) {
    running_server backend;
    running_server front(front_options("http://127.0.0.1:" + std::to_string(server_port(*backend.s))));
    const std::string path = encounter_path(front);
    // The page shows where notes are decoded instead of a model picker.
    EXPECT_EQ(front.get_json("/health")["note_backend"]["url"], "http://127.0.0.1:" + std::to_string(server_port(*backend.s)));
    EXPECT_TRUE(backend.get_json("/health")["note_backend"].is_null());
    // SOAP's 4 headings, and H&P's many (more stop strings than OpenAI's 4, each section one request).
    for (const std::string tmpl : {"soap", "hp"}) {
        const std::string ref = local_note(tmpl, false, 120);
        const nlohmann::json gen = front.post_json(path + "/notes", {{"template", tmpl}, {"max_tokens", 120}});
        ASSERT_TRUE(gen.contains("note")) << gen.dump();
        EXPECT_EQ(gen["note"]["text"], ref) << tmpl;
        EXPECT_EQ(gen["note"]["author"],
                  "clinote:backend http://127.0.0.1:" + std::to_string(server_port(*backend.s)) + ":" + tmpl);
    }
    // Streamed: the deltas add up to the note the backend wrote piece by piece.
    auto res = front.post(path + "/notes", {{"template", "soap"}, {"max_tokens", 120}, {"stream", true}});
    ASSERT_TRUE(res);
    const auto events = test::sse_events(res->body);
    ASSERT_GE(events.size(), 4u) << res->body;
    std::string streamed;
    for (size_t i = 0; i + 2 < events.size(); i++) streamed += events[i]["delta"].get<std::string>();
    EXPECT_EQ(streamed, local_note("soap", false, 120));
    // JSON: the schema goes as response_format, the backend decodes under its grammar.
    const nlohmann::json summary = front.post_json(path + "/notes", {{"format", "summary"}, {"max_tokens", 200}});
    ASSERT_TRUE(summary.contains("note")) << summary.dump();
    EXPECT_EQ(summary["note"]["text"], local_note("soap", true, 200));
}

TEST(Backend, ABackendThatIsDownIsAClearErrorAndNothingIsLost) {
    // A port nothing listens on: bound, then released.
    int port = 0;
    {
        httplib::Server probe;
        port = probe.bind_to_any_port("127.0.0.1");
        std::thread serving([&] { probe.listen_after_bind(); });
        while (!probe.is_running()) std::this_thread::yield();
        probe.stop();
        serving.join();
    }
    running_server front(front_options("http://127.0.0.1:" + std::to_string(port)));
    const std::string path = encounter_path(front);
    // The job's answer has begun (200) by the time the backend fails: the error is its body.
    const nlohmann::json failed = front.post_json(path + "/notes", {{"template", "soap"}, {"max_tokens", 20}});
    ASSERT_TRUE(failed.contains("error")) << failed.dump();
    const std::string message = failed["error"]["message"];
    EXPECT_NE(message.find("backend http://127.0.0.1:" + std::to_string(port)), std::string::npos) << message;
    EXPECT_NE(message.find("cannot reach"), std::string::npos) << message;
    const nlohmann::json e = front.get_json(path);
    EXPECT_EQ(e["transcripts"].size(), 1u);
    EXPECT_EQ(e["transcripts"][0]["text"], k_transcript);
    EXPECT_TRUE(front.get_json(path + "/notes")["data"].empty());
}

// A backend that ignores the schema: JSON that does not parse, or parses and does not validate.
TEST(Backend, JsonTheSchemaRefusesIsNeverStored) {
    for (const char* answer : {"{\"age\": 4", "{\"patient\": 7}"}) {
        httplib::Server fake;
        fake.Post("/v1/completions", [&](const httplib::Request&, httplib::Response& res) {
            const nlohmann::json chunk = {{"choices", {{{"index", 0}, {"text", answer}, {"finish_reason", "stop"}}}}};
            res.set_content("data: " + chunk.dump() + "\n\ndata: [DONE]\n\n", "text/event-stream");
        });
        const int port = fake.bind_to_any_port("127.0.0.1");
        std::thread serving([&] { fake.listen_after_bind(); });
        {
            running_server front(front_options("http://127.0.0.1:" + std::to_string(port)));
            const std::string path = encounter_path(front);
            const nlohmann::json failed = front.post_json(path + "/notes", {{"format", "summary"}});
            ASSERT_TRUE(failed.contains("error")) << failed.dump();
            const std::string message = failed["error"]["message"];
            EXPECT_NE(message.find("summary: generated JSON does not"), std::string::npos) << message;
            EXPECT_TRUE(front.get_json(path + "/notes")["data"].empty());
        }
        fake.stop();
        serving.join();
    }
}

// A backend's refusal (an unknown model, say) reaches the clinician in its own words.
TEST(Backend, ABackendsErrorIsShownInItsOwnWords) {
    httplib::Server fake;
    fake.Post("/v1/completions", [](const httplib::Request&, httplib::Response& res) {
        res.status = 404;
        res.set_content(R"({"error": {"message": "The model `clinic` does not exist.", "type": "NotFoundError"}})",
                        "application/json");
    });
    const int port = fake.bind_to_any_port("127.0.0.1");
    std::thread serving([&] { fake.listen_after_bind(); });
    {
        running_server front(front_options("http://127.0.0.1:" + std::to_string(port)));
        const std::string path = encounter_path(front);
        const nlohmann::json failed = front.post_json(path + "/notes", {{"template", "soap"}, {"max_tokens", 20}});
        ASSERT_TRUE(failed.contains("error")) << failed.dump();
        EXPECT_EQ(failed["error"]["message"], "backend http://127.0.0.1:" + std::to_string(port) +
                                                  ": HTTP 404 from /v1/completions: The model `clinic` does not exist.");
        EXPECT_TRUE(front.get_json(path + "/notes")["data"].empty());
    }
    fake.stop();
    serving.join();
}

TEST(Backend, AnUrlThatIsNotPlainHttpIsRefusedNamingTheFlag) {
    for (const std::string bad : {"https://gpu:8000", "gpu:8000", "http://gpu:8000?x=1", "ftp://gpu"}) {
        try {
            backend_url_check(bad);
            ADD_FAILURE() << bad;
        } catch (const clinote::error& e) {
            EXPECT_NE(std::string(e.what()).find("--backend"), std::string::npos) << e.what();
        }
    }
    for (const std::string good : {"http://gpu:8000", "http://10.0.0.2:8000/v1", "http://[::1]:8080/prefix/"})
        EXPECT_NO_THROW(backend_url_check(good)) << good;
}

}  // namespace
}  // namespace clinote
