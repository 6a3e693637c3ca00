// `clinote note` end to end, run as a user runs it (the clinote binary beside the test
// binary), on stories260K given a chat template so that it runs in seconds:
//  - a visit longer than the context is written in parts, exactly the chunks that
//    transcript_chunks makes with the model's tokenizer and template, and merged;
//  - --save stores the encounter, transcript and draft in the vault: readable after unlock,
//    and a marker from the transcript is in no vault file in plaintext;
//  - the scribe API (an in-process server) writes the same notes byte for byte, and
//    returns the same review as --check-json.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "../clinote_cli.h"
#include "../server/server_fixture.h"
#include "../store/store_test_util.h"
#include "core/file.h"
#include "core/paths.h"
#include "data/import.h"
#include "generate/chat_prompt.h"
#include "io/gguf.h"
#include "notes/long_visit.h"
#include "notes/prompt.h"
#include "notes/transcript.h"

using namespace clinote;
namespace fs = std::filesystem;

namespace {

const char* k_chatml =
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

// stories260K.gguf plus a chat template, written once per test process.
std::string chat_model(const fs::path& dir) {
    const gguf_file src = gguf_open(shared_dir() + "/models/stories260k/stories260K.gguf");
    std::map<std::string, gguf_value> meta = src.metadata;
    meta["tokenizer.chat_template"] = gguf_string(k_chatml);
    std::vector<gguf_writer_tensor> tensors;
    for (const tensor_view& t : src.tensors) tensors.push_back({t.name, t.type, t.shape, t.data, t.nbytes});
    const std::string path = (dir / "stories-chat.gguf").string();
    gguf_write(path, meta, tensors);
    return path;
}

// A long real visit: the first ACI-Bench validation encounter.
std::string long_transcript() {
    import_report report;
    const auto encounters = import_aci_csv(shared_dir() + "/data/aci-bench/valid.csv", {}, report);
    return encounter_transcript(encounters.at(0));
}

#define REQUIRE_CLINOTE()                                                                          \
    if (!fs::exists(test::clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests"

TEST(NoteCli, LongVisitIsWrittenInTheChunksOfItsTokenBudget) {
    REQUIRE_CLINOTE();
    test::temp_dir d;
    const std::string model = chat_model(d.path);
    const std::string transcript = long_transcript();
    test::write_bytes(d.path / "visit.txt", transcript);
    const int64_t ctx = 1536, max_tokens = 8;  // room for the longest single turn of this visit

    // The chunks the command must use: the model's tokenizer and template, the SOAP prompt.
    const tokenizer tok = tokenizer_from_gguf(gguf_open(model));
    const note_template t = template_find("soap");
    const std::vector<turn> turns = transcript_parse(transcript);
    const auto chunks = transcript_chunks(
        turns, [&](const std::vector<turn>& part) { return prompt_messages(part, t, {}); },
        [&](const nlohmann::json& m) { return int64_t(chat_prompt_tokens(tok, m, true).size()); },
        {ctx - max_tokens, 2});
    ASSERT_GE(chunks.size(), 3u);
    std::string parts;
    for (size_t i = 0; i < chunks.size(); i++)
        parts += (i ? ", turns " : "turns ") + std::to_string(chunks[i].begin + 1) + "-" + std::to_string(chunks[i].end);

    const test::cli_result r = test::clinote_cli("note --model '" + model + "' --ctx " + std::to_string(ctx) +
                                                 " --max-tokens " + std::to_string(max_tokens) + " '" +
                                                 (d.path / "visit.txt").string() + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("writing it in " + std::to_string(chunks.size()) + " parts (" + parts + ") and merging them"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("part " + std::to_string(chunks.size()) + " of " + std::to_string(chunks.size())),
              std::string::npos);

    // The same visit with a context that holds it: one part, no warning.
    const test::cli_result whole = test::clinote_cli("note --model '" + model + "' --ctx 8192 --max-tokens 8 '" +
                                                     (d.path / "visit.txt").string() + "'");
    ASSERT_EQ(whole.status, 0) << whole.err;
    EXPECT_EQ(whole.err.find("parts"), std::string::npos) << whole.err;
}

TEST(NoteCli, SaveStoresVisitAndDraftEncrypted) {
    REQUIRE_CLINOTE();
    test::temp_dir d;
    const std::string model = chat_model(d.path);
    const std::string marker = "ZQX-MARKER-" + std::to_string(::getpid()) + "-VISIT";
    const std::string transcript =
        "Doctor: What brings you in today?\nPatient: My code word is " + marker + " and my knee hurts.\n";
    test::write_bytes(d.path / "visit.txt", transcript);
    test::make_vault(d.vault());

    const std::string args = "note --model '" + model + "' --ctx 2048 --max-tokens 12 '" +
                             (d.path / "visit.txt").string() + "' --save --vault '" + d.vault() +
                             "' --passphrase-stdin";
    const test::cli_result wrong = test::clinote_cli(args, "not the passphrase\n");
    EXPECT_EQ(wrong.status, 1);
    EXPECT_NE(wrong.err.find("wrong passphrase"), std::string::npos) << wrong.err;
    EXPECT_TRUE(wrong.out.empty());  // nothing generated

    const test::cli_result r = test::clinote_cli(args, test::k_pass + "\n");
    ASSERT_EQ(r.status, 0) << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.err, m, std::regex("saved as encounter ([0-9]+) in "))) << r.err;
    const int64_t id = std::stoll(m[1]);

    {
        vault_ptr v = vault_open(d.vault(), test::k_pass);
        const encounter_content c = vault_encounter_load(*v, id);
        EXPECT_EQ(c.encounter.title, "visit.txt");
        ASSERT_EQ(c.transcripts.size(), 1u);
        EXPECT_EQ(c.transcripts[0].text, transcript);
        ASSERT_EQ(c.notes.size(), 1u);
        EXPECT_EQ(c.notes[0].kind, "draft");
        EXPECT_EQ(c.notes[0].text, r.out);  // the note as printed
        EXPECT_NE(c.notes[0].author.find("stories-chat.gguf"), std::string::npos);
    }
    for (const auto& [name, bytes] : test::folder_bytes(d.vault()))
        EXPECT_EQ(bytes.find(marker), std::string::npos) << name;

    const test::cli_result no_vault = test::clinote_cli("note --model '" + model + "' '" +
                                                        (d.path / "visit.txt").string() + "' --save");
    EXPECT_EQ(no_vault.status, 1);
    EXPECT_NE(no_vault.err.find("--save: needs --vault PATH"), std::string::npos) << no_vault.err;
}

// One encounter through `clinote note` and through POST /api/encounters/{id}/notes: the
// same request gives the same bytes (greedy decoding), for a note in a template, one section
// with entity tags, a JSON note and a long visit the context holds only in parts. The server
// runs stories260K with tests/server/plain_chat.jinja; the CLI gets it by --chat-template.
TEST(NoteCli, SameNotesAsTheScribeApi) {
    REQUIRE_CLINOTE();
    test::temp_dir d;
    const std::string model = shared_dir() + "/models/stories260k/stories260K.gguf";
    const std::string chat = source_dir() + "/tests/server/plain_chat.jinja";
    const std::string visit =
        "Doctor: What brings you in today?\nPatient: I have had a headache for three days.\n"
        "Doctor: Are you taking anything for it?\nPatient: Ibuprofen 400 mg twice a day.\n";
    struct request {
        std::string name, transcript, flags;
        nlohmann::json body;
        int64_t ctx;
    };
    const std::vector<request> requests = {
        {"template", visit, "--template soap --max-tokens 40", {{"template", "soap"}, {"max_tokens", 40}}, 4096},
        {"section", visit, "--section PLAN --tag-entities --max-tokens 24",
         {{"section", "PLAN"}, {"entity_tags", true}, {"max_tokens", 24}}, 4096},
        {"json", visit, "--json --max-tokens 60", {{"format", "summary"}, {"max_tokens", 60}}, 4096},
        {"long visit", long_transcript(), "--template hp --max-tokens 8", {{"template", "hp"}, {"max_tokens", 8}}, 1536},
    };
    for (const request& q : requests) {
        SCOPED_TRACE(q.name);
        test::write_bytes(d.path / "visit.txt", q.transcript);
        const fs::path review = d.path / "review.json";
        const test::cli_result cli = test::clinote_cli("note --model '" + model + "' --chat-template '" + chat +
                                                       "' --adapter none --ctx " + std::to_string(q.ctx) + " " + q.flags +
                                                       " --check --check-json '" + review.string() + "' '" +
                                                       (d.path / "visit.txt").string() + "'");
        ASSERT_EQ(cli.status, 0) << cli.err;
        EXPECT_EQ(cli.err.find("parts (") != std::string::npos, q.name == "long visit") << cli.err;
        EXPECT_NE(cli.err.find("clinote: review: "), std::string::npos) << cli.err;

        server_options so;
        so.n_ctx = q.ctx;
        test::running_server srv(so);
        srv.post_json("/api/vault/unlock", {{"passphrase", "correct horse"}, {"create", true}});
        const nlohmann::json e = srv.post_json("/api/encounters", {{"title", q.name}, {"transcript", q.transcript}}, 201);
        const nlohmann::json gen = srv.post_json("/api/encounters/" + std::to_string(e["id"].get<int64_t>()) + "/notes", q.body);
        ASSERT_TRUE(gen.contains("note")) << gen.dump();
        EXPECT_EQ(gen["note"]["text"].get<std::string>(), cli.out);
        // The same review, flags and provenance, both ways.
        EXPECT_EQ(gen["review"], nlohmann::json::parse(test::file_bytes(review)));
    }
}

}  // namespace
