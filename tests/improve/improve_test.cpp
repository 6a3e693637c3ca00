// "Improve from my notes" end to end on the tiny real model stories260K: approved notes in a
// vault → a candidate adapter → its comparison with the adapter in use on held-back notes →
// promotion or refusal, stored with its scores, audited, with rollback; and no note text on
// disk outside the encrypted vault while it runs (the marker test).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "improve/improve.h"
#include "model/model.h"
#include "notes/transcript.h"
#include "scribe/note_write.h"

namespace clinote {
namespace {

const std::string k_pass = "correct horse battery staple";
const std::string k_marker = "QXZ7MARK";  // in every transcript and approved note
const char* const k_names[] = {"Tim", "Sue", "Max", "Lily", "Ben", "Mia", "Sam", "Amy", "Tom", "Ann", "Bob", "Kim"};

std::unique_ptr<model> tiny_model() {
    auto m = model_load(shared_dir() + "/models/stories260k/stories260K.gguf");
    m->tok.chat_template = file_read_text(source_dir() + "/tests/server/plain_chat.jinja");
    return m;
}

struct temp_folder {
    std::filesystem::path path;
    temp_folder() {
        std::string t = (std::filesystem::temp_directory_path() / "clinote-improve-test-XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~temp_folder() { std::filesystem::remove_all(path); }
};

// TMPDIR set for one scope, and restored however it ends.
struct scoped_tmpdir {
    std::optional<std::string> saved;
    explicit scoped_tmpdir(const std::string& dir) {
        if (const char* old = std::getenv("TMPDIR")) saved = old;
        ::setenv("TMPDIR", dir.c_str(), 1);
    }
    ~scoped_tmpdir() {
        if (saved)
            ::setenv("TMPDIR", saved->c_str(), 1);
        else
            ::unsetenv("TMPDIR");
    }
};

// Every regular file under dir whose bytes contain `needle`.
std::vector<std::string> files_containing(const std::filesystem::path& dir, const std::string& needle) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); it != std::filesystem::recursive_directory_iterator();
         it.increment(ec)) {
        if (ec || !it->is_regular_file(ec)) continue;
        std::ifstream in(it->path(), std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        if (ss.str().find(needle) != std::string::npos) out.push_back(it->path().string());
    }
    return out;
}

// A vault with the clinic's one-section template and twelve approved visits in it (each
// approved note edited from a draft that names the template, as the scribe writes them),
// plus a ClinicalSummary and a note of an unknown template, which are skipped by name.
vault_ptr vault_with_approved_notes(const std::string& dir) {
    vault_create_options co;
    co.kdf = kdf_level::min;
    vault_ptr v = vault_create(dir, k_pass, co, {"dr test"});
    vault_template_save(*v, "tiny", R"({"name": "tiny", "title": "Tiny note", "description": "A short note.",
        "sections": [{"title": "PLAN", "instruction": "what happens next", "covers": ["plan"]}]})");
    for (const char* name : k_names) {
        const int64_t id = vault_encounter_add(*v, {0, std::nullopt, "visit", ""});
        vault_transcript_add(*v, id,
                             std::string("Doctor: How is the cat, ") + name + "?\nPatient: The cat is sad. " + k_marker + ".\n",
                             "test");
        vault_note_add_draft(*v, id, "PLAN:\nThe dog ran.\n", "clinote:stories:tiny");
        vault_note_approve(*v, id, std::string("PLAN:\n") + name + " will play with the cat. " + k_marker + ".\n", "dr test");
    }
    const int64_t summary = vault_encounter_add(*v, {0, std::nullopt, "summary", ""});
    vault_transcript_add(*v, summary, "Doctor: Hello.\nPatient: Hi.\n", "test");
    vault_note_add_draft(*v, summary, "{}", "clinote:stories:summary");
    vault_note_approve(*v, summary, R"({"patient": {}})", "dr test");
    const int64_t unknown = vault_encounter_add(*v, {0, std::nullopt, "old template", ""});
    vault_transcript_add(*v, unknown, "Doctor: Hello.\nPatient: Hi.\n", "test");
    vault_note_add_draft(*v, unknown, "X:\nY\n", "clinote:stories:gone");
    vault_note_approve(*v, unknown, "X:\nZ\n", "dr test");
    return v;
}

improve_options tiny_options() {
    improve_options o;
    o.hold_back = 0.25;
    o.steps = 12;
    o.lr = 1e-2f;
    o.batch = 4;
    o.max_seq = 448;
    o.lora.rank = 4;
    o.lora.alpha = 8;
    o.lora.dropout = 0;
    o.seed = 1;
    o.note_params = note_params_default();
    o.note_params.sampling.temperature = 0;
    o.note_params.max_tokens = 24;
    o.n_ctx = 512;
    o.base_name = "stories260K.gguf";
    o.progress = false;
    return o;
}

TEST(Improve, HeldBackShareIsStableAndNearTheAskedShare) {
    int held = 0;
    for (int64_t id = 1; id <= 10000; id++) held += improve_held_back(id, 0.2);
    EXPECT_NEAR(held / 10000.0, 0.2, 0.015);
    for (int64_t id = 1; id <= 1000; id++) {
        EXPECT_EQ(improve_held_back(id, 0.2), improve_held_back(id, 0.2));
        if (improve_held_back(id, 0.1)) {
            EXPECT_TRUE(improve_held_back(id, 0.2)) << "a larger share keeps the smaller's";
        }
    }
}

TEST(Improve, ApprovedNotesBecomeExamplesThroughThePromptBuilder) {
    temp_folder d;
    vault_ptr v = vault_with_approved_notes((d.path / "vault").string());
    auto m = tiny_model();
    const improve_options o = tiny_options();
    const improve_data data = improve_data_collect(*v, m->tok, o);
    EXPECT_EQ(data.train.size() + data.held_back.size(), 12u) << nlohmann::json(data.skipped).dump(1);
    ASSERT_FALSE(data.held_back.empty());
    ASSERT_FALSE(data.train.empty());
    for (const auto& e : data.held_back) EXPECT_TRUE(improve_held_back(e.encounter_id, o.hold_back));
    for (const auto& e : data.train) EXPECT_FALSE(improve_held_back(e.encounter_id, o.hold_back));
    // The prompt is the scribe's for that template and transcript, the answer the approved text.
    const improve_example& e = data.train[0];
    note_request r;
    r.transcript = e.transcript;
    r.tmpl = e.tmpl;
    nlohmann::json expected = note_messages(r, transcript_parse(e.transcript));
    expected.push_back({{"role", "assistant"}, {"content", e.approved}});
    EXPECT_EQ(e.messages, expected);
    EXPECT_EQ(e.tmpl.name, "tiny");
    EXPECT_NE(e.approved.find(" will play with the cat."), std::string::npos);
    ASSERT_EQ(data.skipped.size(), 2u);
    EXPECT_NE(data.skipped[0].find("ClinicalSummary"), std::string::npos) << data.skipped[0];
    EXPECT_NE(data.skipped[1].find("'gone' is neither built in nor in the vault"), std::string::npos) << data.skipped[1];

    improve_options only = o;
    only.template_name = "soap";
    EXPECT_TRUE(improve_data_collect(*v, m->tok, only).train.empty());
    only.template_name = "";
    only.since = "2999-01-01";
    EXPECT_TRUE(improve_data_collect(*v, m->tok, only).train.empty());
}

TEST(Improve, CandidateIsComparedPromotedOrRefusedKeptAndRolledBackWithNoPlainTextOnDisk) {
    temp_folder d;
    const std::filesystem::path tmp = d.path / "tmp";
    std::filesystem::create_directories(tmp);
    const scoped_tmpdir watched(tmp.string());  // the run's private folder goes here, to be watched

    vault_ptr v = vault_with_approved_notes((d.path / "vault").string());
    auto m = tiny_model();
    const fact_lexicons lex = fact_lexicons_load(fact_lexicon_dir_default());
    improve_options o = tiny_options();
    // The marker test: while the run trains and writes notes, no file anywhere under the
    // temporary folder, the vault or the test's folder holds a transcript's or note's text.
    int64_t scans = 0;
    std::vector<std::string> leaks;
    bool saw_private_folder = false;
    o.on_progress = [&](const improve_progress& p) {
        if (p.phase != "training" && p.done != 1) return;
        scans++;
        for (const auto& f : files_containing(d.path, k_marker)) leaks.push_back(p.phase + ": " + f);
        for (const auto& entry : std::filesystem::directory_iterator(tmp))
            saw_private_folder = saw_private_folder || entry.path().filename().string().rfind("clinote-improve-", 0) == 0;
    };
    const improve_result first = improve_run(*v, *m, o, lex);
    EXPECT_GT(scans, 12);
    EXPECT_TRUE(leaks.empty()) << leaks[0];
    EXPECT_TRUE(saw_private_folder) << "the trainer's folder is under TMPDIR while it runs";
    EXPECT_TRUE(std::filesystem::is_empty(tmp)) << "and removed afterwards";

    // The comparison is what the scribe writes: the base model (no adapter in use yet) and the
    // stored candidate, scored again here from the vault's copy, give the reported figures.
    EXPECT_EQ(first.current_name, "base model");
    const improve_data data = improve_data_collect(*v, m->tok, o);
    const improve_scores base = improve_score(*m, nullptr, data.held_back, o, lex);
    const adapter_version_record stored = vault_adapter_version_load(*v, first.version.version);
    const lora_adapter candidate = lora_adapter_from_bytes(stored.weights, *m, "test");
    const improve_scores again = improve_score(*m, &candidate, data.held_back, o, lex);
    EXPECT_DOUBLE_EQ(first.current.rouge1, base.rouge1);
    EXPECT_DOUBLE_EQ(first.candidate.rouge1, again.rouge1);
    EXPECT_DOUBLE_EQ(first.candidate.unsupported_per_note, again.unsupported_per_note);
    EXPECT_EQ(first.n_held_back, int64_t(data.held_back.size()));
    // The difference and its paired interval are over the same held-back notes.
    EXPECT_NEAR(first.rouge1_delta.mean, first.candidate.rouge1 - first.current.rouge1, 1e-12);
    const mean_ci delta = bootstrap_paired_delta(base.rouge1_each, again.rouge1_each);
    EXPECT_DOUBLE_EQ(first.rouge1_delta.lo, delta.lo);
    EXPECT_DOUBLE_EQ(first.rouge1_delta.hi, delta.hi);
    EXPECT_LE(first.rouge1_delta.lo, first.rouge1_delta.mean);
    EXPECT_GE(first.rouge1_delta.hi, first.rouge1_delta.mean);
    // Trained on "NAME will play with the cat.", its held-back notes are better than the base's stories.
    EXPECT_GT(first.candidate.rouge1, first.current.rouge1 + 0.1) << first.json();
    ASSERT_TRUE(first.promoted) << first.reason;
    EXPECT_EQ(stored.decision, "promoted");
    EXPECT_EQ(vault_adapter_version_current(*v), first.version.version);
    EXPECT_FALSE(stored.parent.has_value());
    EXPECT_EQ(nlohmann::json::parse(stored.scores)["candidate"]["rouge1"].get<double>(), first.candidate.rouge1);

    // A second run starts from the current version (its scores are now the ones to beat); at
    // a learning rate that wrecks the adapter, the candidate writes worse notes and is refused,
    // leaving the current one in place.
    o.lr = 0.5f;
    const improve_result second = improve_run(*v, *m, o, lex);
    EXPECT_EQ(second.current_name, "version " + std::to_string(first.version.version));
    EXPECT_EQ(second.version.parent, first.version.version);
    EXPECT_DOUBLE_EQ(second.current.rouge1, first.candidate.rouge1);
    EXPECT_LT(second.candidate.rouge1, second.current.rouge1) << second.json();
    EXPECT_FALSE(second.promoted);
    EXPECT_NE(second.reason.find("is not above"), std::string::npos) << second.reason;
    EXPECT_EQ(vault_adapter_version_current(*v), first.version.version);
    ASSERT_EQ(vault_adapter_version_list(*v).size(), 2u);
    EXPECT_EQ(vault_adapter_version_list(*v)[1].decision, "refused");

    // Rollback: to none, and back; a refused version cannot be made current.
    vault_adapter_version_use(*v, 0);
    EXPECT_FALSE(vault_adapter_version_current(*v).has_value());
    EXPECT_FALSE(improve_current_adapter(*v, *m, o.base_name).has_value());
    EXPECT_THROW(vault_adapter_version_use(*v, second.version.version), clinote::error);
    vault_adapter_version_use(*v, first.version.version);
    const std::optional<lora_adapter> current = improve_current_adapter(*v, *m, o.base_name);
    ASSERT_TRUE(current.has_value());
    EXPECT_EQ(current->layers[0][0].b, candidate.layers[0][0].b);
    EXPECT_THROW(improve_current_adapter(*v, *m, "another.gguf"), clinote::error);

    // Each step is in the audit log, by id only.
    std::vector<std::string> actions;
    for (const audit_entry& e : vault_audit_entries(*v)) {
        if (e.action.rfind("adapter.", 0) == 0) actions.push_back(e.action + " " + e.object);
        EXPECT_EQ(e.object.find(k_marker), std::string::npos);
    }
    const std::string v1 = std::to_string(first.version.version), v2 = std::to_string(second.version.version);
    EXPECT_EQ(actions, (std::vector<std::string>{"adapter.train adapter_version:none", "adapter.evaluate adapter_version:none",
                                                 "adapter.promote adapter_version:" + v1,
                                                 "adapter.train adapter_version:" + v1,
                                                 "adapter.evaluate adapter_version:" + v1,
                                                 "adapter.refuse adapter_version:" + v2, "adapter.rollback adapter_version:none",
                                                 "adapter.rollback adapter_version:" + v1}));
    EXPECT_TRUE(vault_audit_verify(*v).ok);
    EXPECT_TRUE(files_containing(d.path, k_marker).empty());
}

TEST(Improve, TooFewNotesIsAClearErrorAndStoresNothing) {
    temp_folder d;
    vault_create_options co;
    co.kdf = kdf_level::min;
    vault_ptr v = vault_create((d.path / "vault").string(), k_pass, co, {"dr test"});
    auto m = tiny_model();
    try {
        improve_run(*v, *m, tiny_options(), fact_lexicons_load(fact_lexicon_dir_default()));
        ADD_FAILURE() << "no approved notes must fail";
    } catch (const clinote::error& e) {
        EXPECT_NE(std::string(e.what()).find("0 approved notes qualify"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(vault_adapter_version_list(*v).empty());
}

TEST(Improve, StoredAdapterBytesRoundTripAndDamageIsNamed) {
    auto m = tiny_model();
    lora_adapter a;
    a.config.rank = 2;
    a.config.targets = {lora_target::q, lora_target::down};
    a.layers.resize(size_t(m->config.n_layer));
    float x = 0.5f;
    for (auto& layer : a.layers)
        for (lora_target t : a.config.targets) {
            const tensor_view& w = layer_linear(m->layers[0], t).w;
            layer[int(t)].a.assign(size_t(2 * w.cols()), x += 0.25f);
            layer[int(t)].b.assign(size_t(w.rows() * 2), -x);
        }
    const std::vector<unsigned char> bytes = lora_adapter_to_bytes(a);
    const lora_adapter back = lora_adapter_from_bytes(bytes, *m, "v1");
    EXPECT_EQ(back.config.rank, 2);
    EXPECT_EQ(back.config.targets, a.config.targets);
    for (size_t l = 0; l < a.layers.size(); l++)
        for (int t = 0; t < lora_target_count; t++) {
            EXPECT_EQ(back.layers[l][size_t(t)].a, a.layers[l][size_t(t)].a);
            EXPECT_EQ(back.layers[l][size_t(t)].b, a.layers[l][size_t(t)].b);
        }
    std::vector<unsigned char> cut(bytes.begin(), bytes.end() - 4);
    try {
        lora_adapter_from_bytes(cut, *m, "adapter version 3");
        ADD_FAILURE() << "a cut blob must fail";
    } catch (const clinote::error& e) {
        EXPECT_NE(std::string(e.what()).find("adapter version 3: stored adapter is cut short"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace clinote
