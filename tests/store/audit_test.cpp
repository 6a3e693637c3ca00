// The audit log: its hash against an independent computation (Python hashlib, see
// tools/make_store_golden.py), and tampering through the raw database, as someone
// holding the key file and passphrase could, is detected by vault_audit_verify.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/paths.h"
#include "raw_db.h"
#include "store/audit_log.h"
#include "store_test_util.h"

namespace clinote {
namespace {

using test::k_pass;
using test::temp_dir;

std::vector<unsigned char> unhex(const std::string& s) {
    std::vector<unsigned char> out(s.size() / 2);
    for (size_t i = 0; i < out.size(); i++) out[i] = (unsigned char)std::stoi(s.substr(2 * i, 2), nullptr, 16);
    return out;
}

TEST(Audit, HashMatchesPythonHashlibGolden) {
    const auto golden = nlohmann::json::parse(test::file_bytes(source_dir() + "/tests/golden/store/audit_chain.json"));
    ASSERT_EQ(golden.size(), 4u);
    for (const auto& g : golden) {
        audit_entry e{g["seq"], g["time"], g["actor"], g["action"], g["object"], unhex(g["prev_hash"]), {}};
        EXPECT_EQ(audit_entry_hash(e), unhex(g["hash"])) << "entry " << e.seq;
    }
}

// A closed vault whose log has entries 1..n: create, unlock, adds, lock.
int64_t make_logged_vault(const std::string& dir) {
    vault_ptr v = test::make_vault(dir);
    const int64_t pid = vault_patient_add(*v, {0, "MRN-55", "Secret Name", ""});
    const int64_t id = vault_encounter_add(*v, {0, pid, "", ""});
    vault_transcript_add(*v, id, "Patient: my secret symptom\n", "t.txt");
    vault_note_add_draft(*v, id, "S: secret symptom\n", "model");
    const auto entries = vault_audit_entries(*v);
    for (const auto& e : entries)
        for (const std::string* f : {&e.actor, &e.action, &e.object}) EXPECT_EQ(f->find("ecret"), std::string::npos);
    return int64_t(entries.size()) + 1;  // + the lock entry written on close
}

audit_report verify(const std::string& dir) { return vault_audit_verify(*vault_open(dir, k_pass)); }

TEST(Audit, IntactLogVerifies) {
    temp_dir d;
    const int64_t n = make_logged_vault(d.vault());
    const audit_report r = verify(d.vault());
    EXPECT_TRUE(r.ok) << r.problem;
    EXPECT_EQ(r.n_entries, n + 1);  // + this unlock
}

TEST(Audit, CallersRecordTheirOwnActions) {
    temp_dir d;
    vault_ptr v = test::make_vault(d.vault());
    vault_audit_record(*v, "note.print", "note:7");
    const auto entries = vault_audit_entries(*v);
    EXPECT_EQ(entries.back().action, "note.print");
    EXPECT_EQ(entries.back().object, "note:7");
    EXPECT_EQ(entries.back().actor, "test");
    EXPECT_TRUE(vault_audit_verify(*v).ok);
}

TEST(Audit, TriggersRefuseUpdateAndDelete) {
    temp_dir d;
    make_logged_vault(d.vault());
    test::raw_db raw(d.vault());
    EXPECT_EQ(raw.exec("UPDATE audit SET actor = 'x' WHERE seq = 2"), "audit log is append-only");
    EXPECT_EQ(raw.exec("DELETE FROM audit WHERE seq = 2"), "audit log is append-only");
}

TEST(Audit, EditedEntryIsDetected) {
    temp_dir d;
    make_logged_vault(d.vault());
    {
        test::raw_db raw(d.vault());
        ASSERT_EQ(raw.exec("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'someone-else' WHERE seq = 3"), "");
    }
    const audit_report r = verify(d.vault());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.bad_seq, 3);
    EXPECT_NE(r.problem.find("edited"), std::string::npos) << r.problem;
}

TEST(Audit, DeletedEntryIsDetected) {
    temp_dir d;
    make_logged_vault(d.vault());
    {
        test::raw_db raw(d.vault());
        ASSERT_EQ(raw.exec("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 4"), "");
    }
    const audit_report r = verify(d.vault());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.bad_seq, 4);
    EXPECT_NE(r.problem.find("deleted"), std::string::npos) << r.problem;
}

TEST(Audit, DeletedAndRenumberedEntryIsDetected) {
    temp_dir d;
    make_logged_vault(d.vault());
    {
        test::raw_db raw(d.vault());
        ASSERT_EQ(raw.exec("DROP TRIGGER audit_no_delete; DROP TRIGGER audit_no_update;"
                           "DELETE FROM audit WHERE seq = 4; UPDATE audit SET seq = seq - 1 WHERE seq > 4;"
                           "UPDATE meta SET value = (SELECT max(seq) FROM audit) || ':' || lower(hex((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1))) WHERE key = 'audit_head'"),
                  "");
    }
    const audit_report r = verify(d.vault());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.bad_seq, 4);
}

TEST(Audit, ReorderedEntriesAreDetected) {
    temp_dir d;
    make_logged_vault(d.vault());
    {
        test::raw_db raw(d.vault());
        // Swap entries 2 and 3 whole (contents and their hashes), keeping the numbering.
        ASSERT_EQ(raw.exec("DROP TRIGGER audit_no_update;"
                           "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (2, 3);"
                           "UPDATE audit SET (time, actor, action, object, prev_hash, hash) ="
                           " (SELECT time, actor, action, object, prev_hash, hash FROM t WHERE t.seq = 5 - audit.seq)"
                           " WHERE seq IN (2, 3);"),
                  "");
    }
    const audit_report r = verify(d.vault());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.bad_seq, 2);
    EXPECT_NE(r.problem.find("reordered"), std::string::npos) << r.problem;
}

TEST(Audit, RemovedTailIsDetected) {
    temp_dir d;
    const int64_t n = make_logged_vault(d.vault());
    {
        test::raw_db raw(d.vault());
        ASSERT_EQ(raw.exec("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = " + std::to_string(n)), "");
    }
    const audit_report r = verify(d.vault());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.bad_seq, n);
}

}  // namespace
}  // namespace clinote
