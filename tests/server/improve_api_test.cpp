// "Improve from my notes" through the server: approved notes written and approved over the
// API → POST /api/improve in the job queue with progress → the promoted version served as
// "stories+clinic" and the scribe's default, with the figures improve_score gives for the
// stored version; rollback; the clinic adapter leaves memory when the vault locks.
#include <chrono>
#include <thread>

#include "improve/improve.h"
#include "scribe/note_write.h"
#include "server_fixture.h"

namespace clinote {
namespace {

using test::running_server;

const char* const k_names[] = {"Tim", "Sue", "Max", "Lily", "Ben", "Mia", "Sam", "Amy", "Tom", "Ann", "Bob", "Kim"};

nlohmann::json wait_for_improve(running_server& srv) {
    for (int i = 0; i < 12000; i++) {
        const nlohmann::json s = srv.get_json("/api/improve");
        if (s["run"]["state"] != "queued" && s["run"]["state"] != "running") return s;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "improve did not finish";
    return {};
}

const nlohmann::json k_run = {{"steps", 12}, {"lr", 1e-2}, {"hold_back", 0.25}, {"max_seq", 448},
                              {"rank", 4},   {"seed", 1},  {"max_tokens", 24}};

TEST(Improve, ApprovedNotesImproveTheClinicAdapterThroughTheServer) {
    running_server srv;
    EXPECT_EQ(srv.post("/api/improve", k_run)->status, 423) << "the vault is locked";
    srv.post_json("/api/vault/unlock", {{"passphrase", "correct horse"}, {"create", true}});
    const nlohmann::json tiny = {{"name", "tiny"}, {"title", "Tiny note"}, {"description", "A short note."},
                                 {"sections", {{{"title", "PLAN"}, {"instruction", "what happens next"}, {"covers", {"plan"}}}}}};
    ASSERT_EQ(srv.client->Put("/api/templates/tiny", tiny.dump(), "application/json")->status, 200);

    // Too few notes: the run fails with the reason, and nothing is stored.
    srv.post_json("/api/improve", k_run, 202);
    nlohmann::json s = wait_for_improve(srv);
    EXPECT_EQ(s["run"]["state"], "failed");
    EXPECT_NE(s["run"]["error"].get<std::string>().find("0 approved notes qualify"), std::string::npos) << s;

    for (const char* name : k_names) {
        const std::string transcript = std::string("Doctor: How is the cat, ") + name + "?\nPatient: The cat is sad.\n";
        const int64_t id = srv.post_json("/api/encounters", {{"title", "visit"}, {"transcript", transcript}}, 201)["id"];
        const std::string path = "/api/encounters/" + std::to_string(id);
        srv.post_json(path + "/notes", {{"template", "tiny"}, {"max_tokens", 8}});
        srv.post_json(path + "/approve", {{"text", std::string("PLAN:\n") + name + " will play with the cat.\n"}}, 201);
    }
    const nlohmann::json started = srv.post_json("/api/improve", k_run, 202);
    EXPECT_EQ(started["options"]["steps"], 12);
    EXPECT_EQ(srv.post("/api/improve", k_run)->status, 409) << "one run at a time";
    s = wait_for_improve(srv);
    ASSERT_EQ(s["run"]["state"], "done") << s;
    const nlohmann::json& result = s["run"]["result"];
    EXPECT_EQ(result["n_train"].get<int64_t>() + result["n_held_back"].get<int64_t>(), 12);
    EXPECT_EQ(result["current_name"], "base model");
    EXPECT_EQ(s["run"]["phase"], "candidate");
    EXPECT_EQ(s["run"]["done"], s["run"]["total"]);
    ASSERT_TRUE(result["promoted"].get<bool>()) << result;
    EXPECT_EQ(result["model"], "stories+clinic");
    EXPECT_EQ(s["versions"]["current"], 1);
    ASSERT_EQ(s["versions"]["data"].size(), 1u);
    EXPECT_EQ(s["versions"]["data"][0]["scores"]["candidate"]["rouge1"], result["candidate"]["rouge1"]);

    // The promoted version is the scribe's default, served as stories+clinic.
    EXPECT_EQ(srv.get_json("/health")["note_model"], "stories+clinic");
    const nlohmann::json enc = srv.post_json("/api/encounters", {{"title", "new"}, {"transcript", "Doctor: How is Jo?\nPatient: Sad.\n"}}, 201);
    const std::string path = "/api/encounters/" + std::to_string(enc["id"].get<int64_t>());
    const nlohmann::json by_default = srv.post_json(path + "/notes", {{"template", "tiny"}, {"max_tokens", 24}, {"temperature", 0}});
    const nlohmann::json named =
        srv.post_json(path + "/notes", {{"template", "tiny"}, {"max_tokens", 24}, {"temperature", 0}, {"model", "stories+clinic"}});
    EXPECT_EQ(by_default["note"]["text"], named["note"]["text"]);
    EXPECT_NE(by_default["note"]["author"].get<std::string>().find("stories+clinic"), std::string::npos);

    // The reported figures are those of the stored version: lock the server's vault, open it
    // here, and score the held-back notes with the library.
    srv.post_json("/api/vault/lock", nlohmann::json::object());
    bool listed = false;
    const nlohmann::json models = srv.get_json("/v1/models");  // kept: the loop reads into it
    for (const auto& e : models["data"]) listed = listed || e["id"] == "stories+clinic";
    EXPECT_FALSE(listed) << "the clinic adapter leaves memory with the key";
    {
        vault_ptr v = vault_open(srv.dir.path + "/vault", "correct horse");
        auto m = test::tiny_model();
        improve_options o;
        o.hold_back = 0.25;
        o.max_seq = 448;
        o.n_ctx = m->config.n_ctx_train;
        o.note_params = note_params_default();
        o.note_params.sampling.temperature = 0;
        o.note_params.max_tokens = 24;
        const improve_data data = improve_data_collect(*v, m->tok, o);
        const std::optional<lora_adapter> a = improve_current_adapter(*v, *m, "stories260K.gguf");
        ASSERT_TRUE(a.has_value());
        const fact_lexicons lex = fact_lexicons_load(fact_lexicon_dir_default());
        EXPECT_DOUBLE_EQ(improve_score(*m, &*a, data.held_back, o, lex).rouge1, result["candidate"]["rouge1"].get<double>());
        EXPECT_DOUBLE_EQ(improve_score(*m, nullptr, data.held_back, o, lex).rouge1, result["current"]["rouge1"].get<double>());
    }
    srv.post_json("/api/vault/unlock", {{"passphrase", "correct horse"}});

    // Rollback to none: notes are written without it again; an unknown version is a 404.
    const nlohmann::json none = srv.post_json("/api/improve/use", {{"version", 0}});
    EXPECT_TRUE(none["current"].is_null());
    EXPECT_EQ(srv.get_json("/health")["note_model"], "stories");
    EXPECT_EQ(srv.post("/api/improve/use", {{"version", 9}})->status, 404);
    EXPECT_EQ(srv.post_json("/api/improve/use", {{"version", 1}})["current"], 1);
    EXPECT_EQ(srv.get_json("/health")["note_model"], "stories+clinic");
    EXPECT_EQ(srv.post("/api/improve", {{"since", "yesterday"}})->status, 400);
}

}  // namespace
}  // namespace clinote
