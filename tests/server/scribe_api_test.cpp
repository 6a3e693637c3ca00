// The scribe API through the vault: unlock, encounter, transcript, generated draft (the
// same text as generate() on the prompt builder's prompt), approval with its diff
// (line_diff_unified as reference), versions, exports, lock.
#include <chrono>
#include <thread>

#include "generate/chat_prompt.h"
#include "generate/generate.h"
#include "generate/generate_sections.h"
#include "notes/entities.h"
#include "notes/json_schema_validate.h"
#include "notes/note_template.h"
#include "notes/prompt.h"
#include "notes/summary_schema.h"
#include "notes/transcript.h"
#include "server_fixture.h"
#include "store/line_diff.h"
#include "store/vault.h"

namespace clinote {
namespace {

using test::running_server;

const std::string k_transcript =
    "Doctor: What brings you in today?\n"
    "Patient: I have had a headache for three days.\n"
    "Doctor: Are you taking anything for it?\n"
    "Patient: Ibuprofen 400 mg twice a day.\n";

int64_t unlock_and_add(running_server& srv) {
    srv.post_json("/api/vault/unlock", {{"passphrase", "correct horse"}, {"create", true}});
    const nlohmann::json e = srv.post_json("/api/encounters", {{"title", "Headache"}, {"transcript", k_transcript}}, 201);
    return e["id"].get<int64_t>();
}

TEST(Scribe, VaultLockedUntilUnlockedWrongPassphraseRefused) {
    running_server srv;
    EXPECT_FALSE(srv.get_json("/api/vault")["exists"].get<bool>());
    srv.get_json("/api/encounters", 423);
    srv.post_json("/api/vault/unlock", {{"passphrase", "correct horse"}}, 404);  // none yet, create not asked
    srv.post_json("/api/vault/unlock", {{"passphrase", "correct horse"}, {"create", true}});
    EXPECT_TRUE(srv.get_json("/api/vault")["unlocked"].get<bool>());
    srv.post_json("/api/encounters", {{"title", "one"}}, 201);
    srv.post_json("/api/vault/lock", nlohmann::json::object());
    srv.get_json("/api/encounters", 423);
    const nlohmann::json wrong = srv.post_json("/api/vault/unlock", {{"passphrase", "wrong horse"}}, 403);
    EXPECT_EQ(wrong["error"]["code"], "wrong_passphrase");
    srv.post_json("/api/vault/unlock", {{"passphrase", "correct horse"}});
    EXPECT_EQ(srv.get_json("/api/encounters")["data"].size(), 1u);
}

// The attacks on the unlock call: a client choosing a cheap KDF for the vault it creates,
// a wrong passphrase answered "unlocked" because the vault already was, and fast guessing.
TEST(Scribe, UnlockRefusesAClientKdfARepeatAndFastGuessing) {
    running_server srv;
    const nlohmann::json kdf =
        srv.post_json("/api/vault/unlock", {{"passphrase", "correct horse"}, {"create", true}, {"kdf_level", "min"}}, 400);
    EXPECT_NE(kdf["error"]["message"].get<std::string>().find("kdf_level"), std::string::npos);
    EXPECT_FALSE(srv.get_json("/api/vault")["exists"].get<bool>());
    srv.post_json("/api/vault/unlock", {{"passphrase", "correct horse"}, {"create", true}});
    const nlohmann::json again = srv.post_json("/api/vault/unlock", {{"passphrase", "wrong wrong wrong"}}, 409);
    EXPECT_EQ(again["error"]["code"], "already_unlocked");
    srv.post_json("/api/vault/lock", nlohmann::json::object());
    srv.post_json("/api/vault/unlock", {{"passphrase", "wrong horse 1"}}, 403);
    srv.post_json("/api/vault/unlock", {{"passphrase", "wrong horse 2"}}, 403);
    // The second failure in a row starts the back-off: even the right passphrase waits.
    auto r = srv.post("/api/vault/unlock", {{"passphrase", "correct horse"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429) << r->body;
    EXPECT_FALSE(r->get_header_value("Retry-After").empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    srv.post_json("/api/vault/unlock", {{"passphrase", "correct horse"}});
    EXPECT_TRUE(srv.get_json("/api/vault")["unlocked"].get<bool>());
}

TEST(Scribe, EncounterCrudAndTranscriptVersions) {
    running_server srv;
    const int64_t id = unlock_and_add(srv);
    const std::string path = "/api/encounters/" + std::to_string(id);
    srv.post_json(path + "/transcripts", {{"text", k_transcript + "Doctor: Any nausea?\n"}}, 201);
    const nlohmann::json e = srv.get_json(path);
    EXPECT_EQ(e["title"], "Headache");
    ASSERT_EQ(e["transcripts"].size(), 2u);
    EXPECT_EQ(e["transcripts"][1]["version"], 2);
    const nlohmann::json list = srv.get_json("/api/encounters");
    ASSERT_EQ(list["data"].size(), 1u);
    EXPECT_EQ(list["data"][0]["n_transcripts"], 2);
    EXPECT_EQ(srv.client->Delete(path.c_str())->status, 200);
    srv.get_json(path, 404);
    EXPECT_TRUE(srv.get_json("/api/encounters")["data"].empty());
}

TEST(Scribe, GenerateEditApproveVersionsAndExports) {
    running_server srv;
    const int64_t id = unlock_and_add(srv);
    const std::string path = "/api/encounters/" + std::to_string(id);

    // Reference: the prompt builder's messages through the same chat template and generate().
    auto m = test::tiny_model();
    const nlohmann::json messages = prompt_messages(transcript_parse(k_transcript), template_find("soap"), {});
    inference_state st = inference_state_create(*m, 4096);
    generate_params p;
    p.max_tokens = 40;
    p.sampling = sampler_params_for_notes();
    const generate_result ref =
        generate_sections(*m, st, chat_prompt_tokens(m->tok, messages, true), template_headings(template_find("soap")), p);

    const nlohmann::json gen = srv.post_json(path + "/notes", {{"template", "soap"}, {"max_tokens", 40}});
    ASSERT_TRUE(gen.contains("note")) << gen.dump();
    const nlohmann::json draft = gen["note"];
    EXPECT_EQ(draft["kind"], "draft");
    EXPECT_EQ(draft["text"], ref.text + "\n");  // a note ends its last line, as clinote note prints it
    EXPECT_EQ(draft["author"], "clinote:stories:soap");
    // The per-note stats: the reference's prompt and generated tokens, one part.
    EXPECT_EQ(gen["stats"]["parts"], 1);
    EXPECT_EQ(gen["stats"]["prompt_tokens"], ref.n_prompt);
    EXPECT_EQ(gen["stats"]["generated_tokens"], int64_t(ref.tokens.size()));
    EXPECT_GT(gen["stats"]["generated_tokens_per_s"].get<double>(), 0.0);

    // Streamed: the deltas add up to the stored draft, and the last event carries it.
    auto res = srv.post(path + "/notes", {{"template", "soap"}, {"max_tokens", 40}, {"stream", true}});
    ASSERT_TRUE(res);
    const auto events = test::sse_events(res->body);
    ASSERT_GE(events.size(), 3u);
    std::string streamed;
    for (size_t i = 0; i + 2 < events.size(); i++) streamed += events[i]["delta"].get<std::string>();
    EXPECT_EQ(streamed, ref.text + "\n");
    EXPECT_EQ(events[events.size() - 2]["note"]["text"], ref.text + "\n");
    EXPECT_EQ(events[events.size() - 2]["note"]["version"], 2);

    const std::string edited = "SUBJECTIVE:\nHeadache for three days.\n\nPLAN:\n{{drug:ibuprofen}} {{dose:400 mg}} twice daily.\n";
    const nlohmann::json approved = srv.post_json(path + "/approve", {{"text", edited}}, 201);
    EXPECT_EQ(approved["kind"], "approved");
    EXPECT_EQ(approved["diff"], line_diff_unified(ref.text + "\n", edited));
    EXPECT_EQ(approved["html"], entities_to_html(edited));
    EXPECT_EQ(approved["plain"], entities_strip(edited));
    EXPECT_NE(approved["html"].get<std::string>().find("<mark class=\"ent ent-drug\">ibuprofen</mark>"), std::string::npos);

    const nlohmann::json versions = srv.get_json(path + "/notes");
    ASSERT_EQ(versions["data"].size(), 3u);
    EXPECT_EQ(versions["data"][2]["kind"], "approved");
    EXPECT_EQ(versions["data"][2]["based_on"], versions["data"][1]["id"]);

    auto md = srv.client->Get((path + "/export/markdown").c_str());
    ASSERT_TRUE(md);
    EXPECT_EQ(md->status, 200);
    EXPECT_NE(md->body.find("# Headache"), std::string::npos);
    EXPECT_NE(md->body.find(entities_strip(edited)), std::string::npos) << md->body;
    EXPECT_NE(md->body.find(k_transcript), std::string::npos);
    EXPECT_EQ(md->body.find("{{drug:"), std::string::npos);

    // No ClinicalSummary yet: summary and FHIR exports say how to get one.
    const nlohmann::json none = srv.get_json(path + "/export/fhir", 409);
    EXPECT_EQ(none["error"]["code"], "no_summary");
}

// A draft comes with its review; the editor's text can be reviewed; approving with flags
// left is allowed and written to the audit log (checked in the vault after the server).
TEST(Scribe, ReviewFlagsUnsupportedFactsAndApprovalWithFlagsIsAudited) {
    test::temp_folder vault_home;
    server_options so;
    so.vault_dir = vault_home.path + "/vault";
    {
        running_server srv(so);
        const int64_t id = unlock_and_add(srv);
        const std::string path = "/api/encounters/" + std::to_string(id);
        const nlohmann::json gen = srv.post_json(path + "/notes", {{"template", "soap"}, {"max_tokens", 24}});
        ASSERT_TRUE(gen.contains("review")) << gen.dump();
        EXPECT_TRUE(gen["review"]["flags"].is_array());

        const std::string edited = "SUBJECTIVE:\nHeadache for three days.\nOBJECTIVE:\nNormal exam.\n"
                                   "ASSESSMENT:\nTension headache.\nPLAN:\nIbuprofen 800 mg twice daily.\n";
        const nlohmann::json review = srv.post_json(path + "/review", {{"text", edited}});
        ASSERT_EQ(review["flags"].size(), 1u) << review.dump(2);
        EXPECT_EQ(review["flags"][0]["kind"], "dose");
        EXPECT_EQ(review["flags"][0]["text"], "800 mg");
        EXPECT_EQ(review["flags"][0]["note_line"], 8);
        EXPECT_NE(review["flags"][0]["reason"].get<std::string>().find("400 mg"), std::string::npos);
        // "three days" and ibuprofen are said on transcript lines 2 and 4.
        bool ibuprofen = false;
        for (const auto& s : review["support"])
            if (s["text"] == "Ibuprofen") {
                ibuprofen = true;
                EXPECT_EQ(s["line"], 4);
                EXPECT_EQ(s["transcript"], "Patient: Ibuprofen 400 mg twice a day.");
            }
        EXPECT_TRUE(ibuprofen) << review.dump(2);
        srv.post_json(path + "/review", {{"text", edited}, {"format", "pdf"}}, 400);
        srv.post_json(path + "/review", nlohmann::json::object(), 400);

        const nlohmann::json approved = srv.post_json(path + "/approve", {{"text", edited}}, 201);
        EXPECT_EQ(approved["review"], review);
    }
    vault_ptr v = vault_open(so.vault_dir, "correct horse");
    bool audited = false;
    for (const audit_entry& e : vault_audit_entries(*v))
        audited = audited || (e.action == "note.approved_with_flags" && e.object == "encounter:1 flags:1");
    EXPECT_TRUE(audited);
}

TEST(Scribe, SummaryByConstrainedDecodingValidatesAndExportsToFhir) {
    running_server srv;
    const int64_t id = unlock_and_add(srv);
    const std::string path = "/api/encounters/" + std::to_string(id);
    const nlohmann::json gen = srv.post_json(path + "/notes", {{"format", "summary"}, {"max_tokens", 60}});
    ASSERT_TRUE(gen.contains("note")) << gen.dump();
    // Whatever the tiny model wrote, the stored draft is a valid ClinicalSummary.
    const nlohmann::json stored = nlohmann::json::parse(gen["note"]["text"].get<std::string>());
    EXPECT_NO_THROW(summary_from_json(stored));
    EXPECT_EQ(gen["note"]["author"], "clinote:stories:summary");

    // An AI draft never leaves as structured data: the summary must be reviewed and approved.
    EXPECT_EQ(srv.get_json(path + "/export/fhir", 409)["error"]["code"], "no_summary");
    EXPECT_EQ(srv.get_json(path + "/export/summary", 409)["error"]["code"], "no_summary");
    const nlohmann::json approved = srv.post_json(path + "/approve", {{"text", gen["note"]["text"]}, {"format", "summary"}}, 201);

    const nlohmann::json summary = srv.get_json(path + "/export/summary");
    EXPECT_EQ(summary, nlohmann::json(summary_to_json(summary_from_json(stored))));
    const nlohmann::json bundle = srv.get_json(path + "/export/fhir");
    EXPECT_EQ(bundle["resourceType"], "Bundle");
    EXPECT_EQ(bundle["type"], "document");
    const nlohmann::json& composition = bundle["entry"][0]["resource"];
    EXPECT_EQ(composition["resourceType"], "Composition");
    // Final, attested by the approving clinician at the time of approval.
    EXPECT_EQ(composition["status"], "final");
    EXPECT_EQ(composition["attester"][0]["mode"], "legal");
    EXPECT_EQ(composition["attester"][0]["party"]["display"], approved["author"]);
    EXPECT_EQ(composition["attester"][0]["time"], approved["created_at"]);
}

TEST(Scribe, TemplatesAndBadRequests) {
    running_server srv;
    const nlohmann::json t = srv.get_json("/api/templates");
    ASSERT_EQ(t["data"].size(), template_builtins().size());
    EXPECT_EQ(t["data"][0]["name"], "soap");
    const int64_t id = unlock_and_add(srv);
    const std::string path = "/api/encounters/" + std::to_string(id);
    EXPECT_NE(srv.post_json(path + "/notes", {{"template", "nope"}}, 400)["error"]["message"].get<std::string>().find("nope"),
              std::string::npos);
    srv.post_json(path + "/notes", {{"format", "poem"}}, 400);
    srv.post_json("/api/encounters/999/notes", {{"template", "soap"}}, 404);
    const nlohmann::json empty = srv.post_json("/api/encounters", {{"title", "empty"}}, 201);
    srv.post_json("/api/encounters/" + std::to_string(empty["id"].get<int64_t>()) + "/notes", nlohmann::json::object(), 409);
    srv.post_json(path + "/approve", nlohmann::json::object(), 400);
}

// The clinic's own template: stored in the vault through the API, listed after the built-ins,
// used for a note (its headings written, as a --template-file's are), refused where it would
// shadow a built-in or is not a template, and deleted.
TEST(Scribe, CustomTemplatesLiveInTheVaultAndWriteNotes) {
    running_server srv;
    const int64_t id = unlock_and_add(srv);
    const nlohmann::json wound = {
        {"title", "Wound care note"},
        {"sections", {{{"title", "HISTORY"}, {"instruction", "cause and age of the wound"}, {"covers", {"history_of_present_illness"}}},
                      {{"title", "PLAN"}, {"instruction", "dressing and follow-up"}, {"covers", {"plan"}}}}}};
    auto put = [&](const std::string& name, const nlohmann::json& body, int status) {
        auto r = srv.client->Put(("/api/templates/" + name).c_str(), body.dump(), "application/json");
        EXPECT_TRUE(r);
        EXPECT_EQ(r->status, status) << r->body;
        return nlohmann::json::parse(r->body);
    };
    EXPECT_EQ(put("wound", wound, 200)["custom"], true);
    const nlohmann::json list = srv.get_json("/api/templates")["data"];
    EXPECT_EQ(list.back()["name"], "wound");
    EXPECT_EQ(list.back()["custom"], true);
    EXPECT_EQ(list.front()["custom"], false);

    const nlohmann::json note = srv.post_json("/api/encounters/" + std::to_string(id) + "/notes",
                                              {{"template", "wound"}, {"max_tokens", 24}});
    const std::string text = note["note"]["text"];
    EXPECT_EQ(text.rfind("HISTORY:", 0), 0u) << text;
    EXPECT_EQ(text.find("SUBJECTIVE:"), std::string::npos) << text;  // not the default template

    EXPECT_NE(put("soap", wound, 400)["error"]["message"].get<std::string>().find("built-in"), std::string::npos);
    nlohmann::json no_sections = wound;
    no_sections.erase("sections");
    EXPECT_NE(put("bare", no_sections, 400)["error"]["message"].get<std::string>().find("sections: missing"), std::string::npos);
    nlohmann::json other = wound;
    other["name"] = "other";
    put("wound", other, 400);
    EXPECT_EQ(put("Bad Name", wound, 400)["error"]["code"], "invalid_template");

    auto del = srv.client->Delete("/api/templates/wound");
    ASSERT_TRUE(del);
    EXPECT_EQ(del->status, 200);
    EXPECT_EQ(srv.client->Delete("/api/templates/wound")->status, 404);
    srv.post_json("/api/encounters/" + std::to_string(id) + "/notes", {{"template", "wound"}, {"max_tokens", 4}}, 400);
}

// The ClinicalSummary from the approved prose note: a JSON draft that parses and validates,
// made from the approved text (tags removed); refused before anything is approved.
TEST(Scribe, SummaryFromTheApprovedNote) {
    running_server srv;
    const int64_t id = unlock_and_add(srv);
    const std::string path = "/api/encounters/" + std::to_string(id);
    const nlohmann::json early = srv.post_json(path + "/notes", {{"format", "summary"}, {"source", "approved"}}, 409);
    EXPECT_EQ(early["error"]["code"], "no_approved_note");
    srv.post_json(path + "/notes", {{"format", "note"}, {"source", "approved"}}, 400);
    srv.post_json(path + "/approve", {{"text", "SUBJECTIVE:\nHeadache for three days; {{drug:ibuprofen}} 400 mg twice daily.\n"}}, 201);
    const nlohmann::json gen = srv.post_json(path + "/notes", {{"format", "summary"}, {"source", "approved"}, {"max_tokens", 60}});
    const nlohmann::json summary = nlohmann::json::parse(gen["note"]["text"].get<std::string>());
    EXPECT_TRUE(json_schema_validate(nlohmann::json(clinical_summary_schema()), summary).empty()) << summary.dump();
    EXPECT_EQ(gen["note"]["kind"], "draft");
}

}  // namespace
}  // namespace clinote
