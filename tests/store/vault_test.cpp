// The vault's records, versions, locking and key management through the public API.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "core/error.h"
#include "store/kdf.h"
#include "store/sql.h"
#include "store/vault.h"
#include "store/vault_internal.h"
#include "store_test_util.h"

namespace clinote {
namespace {

using test::k_pass;
using test::make_vault;
using test::temp_dir;

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return "";
}

TEST(Vault, StoresEncounterTranscriptNotesAndAudioWithVersions) {
    temp_dir d;
    {
        vault_ptr v = make_vault(d.vault());
        const int64_t pid = vault_patient_add(*v, {0, "MRN-7", "Ada Example", "1970-01-02"});
        const int64_t id = vault_encounter_add(*v, {0, pid, "follow-up", ""});
        EXPECT_EQ(vault_transcript_add(*v, id, "Doctor: Hello.\nPatient: Hi.\n", "t1.txt").version, 1);
        EXPECT_EQ(vault_transcript_add(*v, id, "Doctor: Hello again.\n", "t2.txt").version, 2);
        const int64_t adapter = vault_adapter_add(*v, "soap-lora", "ab12");
        const note_record draft = vault_note_add_draft(*v, id, "S: cough\nO: clear\nP: rest\n", "model", adapter);
        EXPECT_EQ(draft.version, 1);
        const note_record ok = vault_note_approve(*v, id, "S: cough for 3 days\nO: clear\nP: rest\n", "dr-b");
        EXPECT_EQ(ok.version, 2);
        EXPECT_EQ(ok.based_on, draft.id);
        EXPECT_EQ(ok.diff, "@@ -1,3 +1,3 @@\n-S: cough\n+S: cough for 3 days\n O: clear\n P: rest\n");
        vault_audio_add(*v, id, "audio/wav", {1, 2, 3, 0, 255});
    }
    // Everything is still there after closing and reopening.
    vault_ptr v = vault_open(d.vault(), k_pass);
    const auto list = vault_encounter_list(*v);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].n_transcripts, 2);
    EXPECT_EQ(list[0].n_notes, 2);
    EXPECT_TRUE(list[0].approved);
    const encounter_content c = vault_encounter_load(*v, list[0].encounter.id);
    ASSERT_TRUE(c.patient);
    EXPECT_EQ(c.patient->name, "Ada Example");
    ASSERT_EQ(c.transcripts.size(), 2u);
    EXPECT_EQ(c.transcripts[0].text, "Doctor: Hello.\nPatient: Hi.\n");
    EXPECT_EQ(c.transcripts[1].source, "t2.txt");
    ASSERT_EQ(c.notes.size(), 2u);
    EXPECT_EQ(c.notes[0].kind, "draft");
    EXPECT_EQ(c.notes[0].adapter_id, vault_adapter_list(*v).at(0).id);
    EXPECT_EQ(c.notes[1].kind, "approved");
    EXPECT_EQ(c.notes[1].author, "dr-b");
    ASSERT_EQ(c.audio.size(), 1u);
    EXPECT_EQ(c.audio[0].data, (std::vector<unsigned char>{1, 2, 3, 0, 255}));
    EXPECT_EQ(vault_note_latest(*v, c.encounter.id, "approved")->text, "S: cough for 3 days\nO: clear\nP: rest\n");

    vault_encounter_delete(*v, c.encounter.id);
    EXPECT_TRUE(vault_encounter_list(*v).empty());
    EXPECT_NE(error_of([&] { vault_encounter_load(*v, c.encounter.id); }).find("no encounter"), std::string::npos);
    EXPECT_TRUE(vault_audit_verify(*v).ok);
}

// An editor's text without a final newline: the stored note ends its last line as drafts do,
// and the diff shows only the real change (no "\ No newline at end of file").
TEST(Vault, ApprovedNoteEndsItsLastLine) {
    temp_dir d;
    vault_ptr v = make_vault(d.vault());
    const int64_t id = vault_encounter_add(*v, {0, std::nullopt, "visit", ""});
    vault_note_add_draft(*v, id, "S: cough\nP: rest\n", "model");
    const note_record n = vault_note_approve(*v, id, "S: cough\nP: rest, fluids", "dr");
    EXPECT_EQ(n.text, "S: cough\nP: rest, fluids\n");
    EXPECT_EQ(n.diff, "@@ -1,2 +1,2 @@\n S: cough\n-P: rest\n+P: rest, fluids\n");
}

// The clinic's templates: saved (a name saved again is replaced), listed by name, deleted,
// each step audited; they travel in an archive, and importing keeps a template the vault has.
TEST(Vault, TemplatesAreStoredAuditedAndArchived) {
    temp_dir d;
    vault_ptr v = make_vault(d.vault());
    vault_template_save(*v, "wound", R"({"name":"wound","v":1})");
    vault_template_save(*v, "derm", R"({"name":"derm"})");
    vault_template_save(*v, "wound", R"({"name":"wound","v":2})");
    std::vector<template_record> list = vault_template_list(*v);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].name, "derm");
    EXPECT_EQ(list[1].json, R"({"name":"wound","v":2})");
    const std::string archive = (d.path / "a.clinote").string();
    vault_export_archive(*v, archive, k_pass);
    EXPECT_TRUE(vault_template_delete(*v, "derm"));
    EXPECT_FALSE(vault_template_delete(*v, "derm"));
    vault_template_save(*v, "wound", R"({"name":"wound","v":3})");
    vault_import_archive(*v, archive, k_pass);
    list = vault_template_list(*v);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].name, "derm");                               // back from the archive
    EXPECT_EQ(list[1].json, R"({"name":"wound","v":3})");          // the vault's own kept
    int saves = 0, deletes = 0, imports = 0;
    for (const audit_entry& e : vault_audit_entries(*v)) {
        saves += e.action == "template.save";
        deletes += e.action == "template.delete";
        imports += e.action == "template.import";
    }
    EXPECT_EQ(saves, 4);
    EXPECT_EQ(deletes, 1);
    EXPECT_EQ(imports, 1);
    EXPECT_TRUE(vault_audit_verify(*v).ok);
}

// A vault written by an old clinote (schema 1: no templates, no adapter versions) opens: it is
// migrated in place and everything it held is still there.
TEST(Vault, SchemaOneVaultIsMigratedWithNothingLost) {
    temp_dir d;
    int64_t id = 0;
    {
        vault_ptr v = make_vault(d.vault());
        id = vault_encounter_add(*v, {0, std::nullopt, "old visit", ""});
        vault_transcript_add(*v, id, "Doctor: Hello.\n", "t.txt");
        std::lock_guard<std::mutex> lock(v->mu);
        sql_exec(v->db,
                 "DROP TABLE templates; DROP TABLE adapter_versions; DELETE FROM meta WHERE key = "
                 "'current_adapter_version'; UPDATE meta SET value = '1' WHERE key = 'schema_version'",
                 "test");
    }
    vault_ptr v = vault_open(d.vault(), k_pass);
    EXPECT_EQ(vault_encounter_load(*v, id).transcripts.at(0).text, "Doctor: Hello.\n");
    vault_template_save(*v, "wound", "{}");
    EXPECT_EQ(vault_template_list(*v).size(), 1u);
    EXPECT_FALSE(vault_adapter_version_current(*v).has_value());
    std::lock_guard<std::mutex> lock(v->mu);
    EXPECT_EQ(sql_value(v->db, "SELECT value FROM meta WHERE key = 'schema_version'", "test"), "3");
}

// Another local user must not read the vault's files, whatever the umask: the database and
// the -wal / -shm files SQLite makes beside it are owner-only.
TEST(Vault, FilesAreOwnerOnly) {
    temp_dir d;
    const mode_t old_umask = ::umask(0022);
    vault_ptr v = make_vault(d.vault());
    encounter_record e;
    e.title = "visit";
    vault_encounter_add(*v, e);  // a write: the WAL files exist while open
    ::umask(old_umask);
    int checked = 0;
    for (const auto& f : std::filesystem::directory_iterator(d.vault())) {
        if (!f.is_regular_file()) continue;
        struct stat st {};
        ASSERT_EQ(::stat(f.path().c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u) << f.path();
        checked++;
    }
    EXPECT_GE(checked, 3);  // vault.db, its -wal and -shm at least (and the key file)
}

TEST(Vault, RejectsNonUtf8TextNamingItsSource) {
    temp_dir d;
    vault_ptr v = make_vault(d.vault());
    const int64_t id = vault_encounter_add(*v, {});
    const std::string msg = error_of([&] { vault_transcript_add(*v, id, "caf\xe9\n", "visit.txt"); });
    EXPECT_NE(msg.find("visit.txt"), std::string::npos) << msg;
    EXPECT_NE(msg.find("UTF-8"), std::string::npos) << msg;
    EXPECT_EQ(vault_encounter_list(*v)[0].n_transcripts, 0);
}

TEST(Vault, EveryCallFailsAfterLock) {
    temp_dir d;
    vault_ptr v = make_vault(d.vault());
    const int64_t id = vault_encounter_add(*v, {});
    vault_lock(*v);
    EXPECT_TRUE(vault_is_locked(*v));
    const std::vector<std::function<void()>> calls = {
        [&] { vault_encounter_list(*v); },
        [&] { vault_encounter_load(*v, id); },
        [&] { vault_encounter_add(*v, {}); },
        [&] { vault_transcript_add(*v, id, "x", "t"); },
        [&] { vault_note_add_draft(*v, id, "x", ""); },
        [&] { vault_audit_verify(*v); },
        [&] { vault_change_passphrase(*v, "another passphrase"); },
    };
    for (const auto& call : calls) EXPECT_NE(error_of(call).find("vault is locked"), std::string::npos);
    vault_unlock(*v, k_pass);
    EXPECT_EQ(vault_encounter_list(*v).size(), 1u);
}

TEST(Vault, LocksItselfAfterTheIdleTimeout) {
    temp_dir d;
    make_vault(d.vault());
    vault_ptr v = vault_open(d.vault(), k_pass, {"test", 0.05});
    vault_encounter_list(*v);
    // Whether the watcher thread or the next call notices first, the call after the timeout fails.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_NE(error_of([&] { vault_encounter_list(*v); }).find("vault is locked (idle timeout)"), std::string::npos);
    EXPECT_TRUE(vault_is_locked(*v));
}

// A long job on the vault's behalf (clinote improve trains for longer than the timeout) keeps
// it unlocked while it runs; the idle clock restarts when it ends, and an explicit lock still wins.
TEST(Vault, BusyScopeHoldsOffTheIdleLockButNotAnExplicitLock) {
    temp_dir d;
    make_vault(d.vault());
    vault_ptr v = vault_open(d.vault(), k_pass, {"test", 0.05});
    {
        const vault_busy busy(*v);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        EXPECT_FALSE(vault_is_locked(*v));
        EXPECT_EQ(vault_encounter_list(*v).size(), 0u);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        EXPECT_EQ(vault_encounter_list(*v).size(), 0u);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_NE(error_of([&] { vault_encounter_list(*v); }).find("vault is locked (idle timeout)"), std::string::npos);
    vault_unlock(*v, k_pass);
    const vault_busy busy(*v);
    vault_lock(*v);
    EXPECT_TRUE(vault_is_locked(*v));
}

TEST(Vault, PassphraseChangeKeepsDataAndOnlyTheNewPassphraseOpensIt) {
    temp_dir d;
    {
        vault_ptr v = make_vault(d.vault());
        vault_transcript_add(*v, vault_encounter_add(*v, {}), "Doctor: hi\n", "t");
        vault_change_passphrase(*v, "a new and different passphrase", kdf_level::interactive);
        EXPECT_EQ(vault_kdf(*v).memlimit, kdf_params_for(kdf_level::interactive).memlimit);
    }
    EXPECT_NE(error_of([&] { vault_open(d.vault(), k_pass); }).find("wrong passphrase"), std::string::npos);
    vault_ptr v = vault_open(d.vault(), "a new and different passphrase");
    EXPECT_EQ(vault_encounter_load(*v, 1).transcripts.at(0).text, "Doctor: hi\n");
    EXPECT_TRUE(vault_audit_verify(*v).ok);
}

TEST(Vault, RecoveryKeyOpensTheVaultAndResetsThePassphrase) {
    temp_dir d;
    secret rk;
    { vault_ptr v = make_vault(d.vault(), true, &rk); }
    ASSERT_EQ(rk.size, 3u + 8 * 9 - 1);
    EXPECT_EQ(rk.view().substr(0, 3), "RK-");
    // Written down by hand: lower case, spaces instead of dashes, no prefix.
    std::string typed(rk.view().substr(3));
    for (char& c : typed) c = c == '-' ? ' ' : char(std::tolower(c));
    {
        vault_ptr v = vault_open_with_recovery_key(d.vault(), typed);
        vault_change_passphrase(*v, "the passphrase after recovery");
    }
    EXPECT_NO_THROW(vault_open(d.vault(), "the passphrase after recovery"));
    // The recovery key survives the passphrase change.
    EXPECT_NO_THROW(vault_open_with_recovery_key(d.vault(), rk.view()));
    std::string wrong(rk.view());
    wrong[3] = wrong[3] == '0' ? '1' : '0';
    EXPECT_NE(error_of([&] { vault_open_with_recovery_key(d.vault(), wrong); }).find("wrong recovery key"),
              std::string::npos);
}

TEST(Vault, WithoutRecoveryKeyRecoveryIsRefused) {
    temp_dir d;
    make_vault(d.vault());
    EXPECT_NE(error_of([&] { vault_open_with_recovery_key(d.vault(), std::string(64, '0')); })
                  .find("this vault has no recovery key"),
              std::string::npos);
}

TEST(Vault, RefusesShortPassphrasesAndNonEmptyFolders) {
    temp_dir d;
    vault_create_options o;
    o.kdf = kdf_level::min;
    EXPECT_NE(error_of([&] { vault_create(d.vault(), "short", o); }).find("too short"), std::string::npos);
    make_vault(d.vault());
    EXPECT_NE(error_of([&] { make_vault(d.vault()); }).find("not empty"), std::string::npos);
}

TEST(Vault, KdfLevelsParseAndUnknownOnesAreNamed) {
    EXPECT_EQ(kdf_level_parse("moderate", "--kdf-level"), kdf_level::moderate);
    EXPECT_NE(error_of([] { kdf_level_parse("fast", "--kdf-level"); }).find("--kdf-level: unknown KDF level 'fast'"),
              std::string::npos);
}

}  // namespace
}  // namespace clinote
