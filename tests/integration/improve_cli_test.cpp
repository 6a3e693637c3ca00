// clinote improve as a user runs it, on stories260K with a plain chat template: visits written
// with `clinote note --save`, approved with `clinote store approve`, then `clinote improve`
// (--json), --list, --use (rollback), --export (the PEFT adapter equals the vault's version).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../clinote_cli.h"
#include "core/paths.h"
#include "improve/improve.h"
#include "model/model.h"

namespace clinote {
namespace {

namespace fs = std::filesystem;
using test::clinote_cli;
using test::shell_quote;

const std::string k_pass = "correct horse battery staple\n";

TEST(ImproveCli, NotesSavedAndApprovedImproveTheAdapterWithListRollbackAndExport) {
    if (!fs::exists(test::clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    const fs::path dir = fs::temp_directory_path() / ("clinote-improve-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string model_path = shared_dir() + "/models/stories260k/stories260K.gguf";
    const std::string model = " --model " + shell_quote(model_path) + " --chat-template " +
                              shell_quote(source_dir() + "/tests/server/plain_chat.jinja");
    const std::string vault = " --vault " + shell_quote((dir / "vault").string()) + " --passphrase-stdin";
    std::ofstream(dir / "tiny.json") << R"({"name": "tiny", "title": "Tiny note", "description": "A short note.",
        "sections": [{"title": "PLAN", "instruction": "what happens next", "covers": ["plan"]}]})";
    const std::string tmpl = " --template-file " + shell_quote((dir / "tiny.json").string());
    ASSERT_EQ(clinote_cli("store init --kdf-level min" + vault, k_pass).status, 0);
    int id = 0;
    for (const char* name : {"Tim", "Sue", "Max", "Lily", "Ben", "Mia", "Sam", "Amy", "Tom", "Ann", "Bob", "Kim"}) {
        id++;
        std::ofstream(dir / "visit.txt") << "Doctor: How is the cat, " << name << "?\nPatient: The cat is sad.\n";
        std::ofstream(dir / "approved.txt") << "PLAN:\n" << name << " will play with the cat.\n";
        const test::cli_result note = clinote_cli("note " + shell_quote((dir / "visit.txt").string()) + model + tmpl +
                                                      " --template tiny --max-tokens 8 --save" + vault,
                                                  k_pass);
        ASSERT_EQ(note.status, 0) << note.err;
        const test::cli_result approve =
            clinote_cli("store approve " + std::to_string(id) + " --note " + shell_quote((dir / "approved.txt").string()) + vault, k_pass);
        ASSERT_EQ(approve.status, 0) << approve.err;
    }
    const std::string run = "improve" + vault + model + tmpl +
                            " --steps 12 --lr 0.01 --max-seq 448 --rank 4 --hold-back 0.25 --seed 1 --ctx 512 --max-tokens 24";
    const test::cli_result wrong = clinote_cli(run, "not the passphrase\n");
    EXPECT_EQ(wrong.status, 1);
    EXPECT_NE(wrong.err.find("wrong passphrase"), std::string::npos) << wrong.err;

    const test::cli_result improved = clinote_cli(run + " --json", k_pass);
    ASSERT_EQ(improved.status, 0) << improved.err;
    const nlohmann::json r = nlohmann::json::parse(improved.out);
    EXPECT_EQ(r["n_train"].get<int>() + r["n_held_back"].get<int>(), 12) << r;
    EXPECT_EQ(r["current_name"], "base model");
    EXPECT_TRUE(r["promoted"].get<bool>()) << r;
    EXPECT_EQ(r["version"], 1);

    const test::cli_result list = clinote_cli("improve --list" + vault, k_pass);
    ASSERT_EQ(list.status, 0) << list.err;
    EXPECT_NE(list.out.find("\n1 *"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("promoted"), std::string::npos) << list.out;
    EXPECT_EQ(clinote_cli("improve --use none" + vault, k_pass).out,
              "no current version: notes are written without a clinic adapter\n");
    EXPECT_EQ(clinote_cli("improve --list" + vault, k_pass).out.find("1 *"), std::string::npos);
    const test::cli_result refused = clinote_cli("improve --use 7" + vault, k_pass);
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("no adapter version 7"), std::string::npos) << refused.err;
    ASSERT_EQ(clinote_cli("improve --use 1" + vault, k_pass).status, 0);

    // The exported PEFT adapter holds the vault's version.
    const std::string out = (dir / "exported").string();
    const test::cli_result exported = clinote_cli("improve --export 1 --out " + shell_quote(out) + vault + model, k_pass);
    ASSERT_EQ(exported.status, 0) << exported.err;
    auto m = model_load(model_path);
    const lora_adapter peft = lora_adapter_load(out, *m);
    vault_ptr v = vault_open((dir / "vault").string(), "correct horse battery staple");
    const std::optional<lora_adapter> current = improve_current_adapter(*v, *m, "stories260K.gguf");
    ASSERT_TRUE(current.has_value());
    for (size_t l = 0; l < peft.layers.size(); l++)
        for (int t = 0; t < lora_target_count; t++) {
            const auto &a = peft.layers[l][size_t(t)], &b = current->layers[l][size_t(t)];
            ASSERT_EQ(a.a.size(), b.a.size());
            for (size_t i = 0; i < a.a.size(); i++) EXPECT_NEAR(a.a[i], b.a[i], 1e-7f);
            for (size_t i = 0; i < a.b.size(); i++) EXPECT_NEAR(a.b[i], b.b[i], 1e-7f);
        }
    v.reset();

    // clinote note --adapter clinic writes with the vault's version: the same note as with its export.
    const std::string note = "note " + shell_quote((dir / "visit.txt").string()) + model + tmpl +
                             " --template tiny --max-tokens 24 --temperature 0";
    const test::cli_result clinic = clinote_cli(note + " --adapter clinic" + vault, k_pass);
    ASSERT_EQ(clinic.status, 0) << clinic.err;
    const test::cli_result file = clinote_cli(note + " --adapter " + shell_quote(out));
    ASSERT_EQ(file.status, 0) << file.err;
    EXPECT_EQ(clinic.out, file.out);
    EXPECT_NE(clinic.out, clinote_cli(note + " --adapter none").out) << "the adapter changes the note";
    fs::remove_all(dir);
}

}  // namespace
}  // namespace clinote
