#include "store/audit_log.h"

#include <sodium.h>

#include <algorithm>

#include "core/error.h"
#include "store/sql.h"
#include "store/vault_internal.h"

namespace clinote {

const char* const k_audit_schema = R"sql(
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
INSERT INTO meta(key, value) VALUES ('audit_head', '0:');
)sql";

namespace {

constexpr size_t k_hash_bytes = 32;

void absorb_u64(crypto_generichash_state& st, uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = static_cast<unsigned char>(v >> (8 * i));
    crypto_generichash_update(&st, b, 8);
}

void absorb_field(crypto_generichash_state& st, const std::string& s) {
    absorb_u64(st, s.size());
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

std::string hex(const std::vector<unsigned char>& b) {
    std::string out(b.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), b.data(), b.size());
    out.pop_back();
    return out;
}

struct audit_head {
    int64_t count = 0;
    std::string last_hash_hex;
};

audit_head head_read(sqlite3* db, const std::string& where) {
    const std::string v = sql_value(db, "SELECT value FROM meta WHERE key = 'audit_head'", where);
    const size_t colon = v.find(':');
    if (colon == std::string::npos) fail(where, "audit log head is missing or damaged");
    return {std::stoll(v.substr(0, colon)), v.substr(colon + 1)};
}

}  // namespace

std::vector<unsigned char> audit_entry_hash(const audit_entry& e) {
    sodium_require();
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, k_hash_bytes);
    crypto_generichash_update(&st, e.prev_hash.data(), e.prev_hash.size());
    absorb_u64(st, uint64_t(e.seq));
    absorb_field(st, e.time);
    absorb_field(st, e.actor);
    absorb_field(st, e.action);
    absorb_field(st, e.object);
    std::vector<unsigned char> h(k_hash_bytes);
    crypto_generichash_final(&st, h.data(), h.size());
    return h;
}

void audit_append(sqlite3* db, const std::string& actor, const std::string& action, const std::string& object,
                  const std::string& where) {
    // Appending continues from the last row that exists even if the log was tampered
    // with, so the vault still opens and `verify` can point at the damage.
    const audit_head head = head_read(db, where);
    audit_entry e;
    e.prev_hash.assign(k_hash_bytes, 0);
    int64_t last_seq = 0;
    {
        sql_stmt s(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", where);
        if (s.step()) {
            last_seq = s.col_int(0);
            e.prev_hash = s.col_blob(1);
        }
    }
    e.seq = std::max(last_seq, head.count) + 1;
    e.time = utc_now();
    e.actor = actor;
    e.action = action;
    e.object = object;
    e.hash = audit_entry_hash(e);
    sql_stmt ins(db, "INSERT INTO audit(seq, time, actor, action, object, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
                 where);
    ins.bind(1, e.seq).bind(2, e.time).bind(3, e.actor).bind(4, e.action).bind(5, e.object);
    ins.bind_blob(6, e.prev_hash.data(), e.prev_hash.size()).bind_blob(7, e.hash.data(), e.hash.size());
    ins.run();
    sql_stmt up(db, "UPDATE meta SET value = ? WHERE key = 'audit_head'", where);
    up.bind(1, std::to_string(e.seq) + ":" + hex(e.hash)).run();
}

std::vector<audit_entry> audit_read(sqlite3* db, const std::string& where) {
    std::vector<audit_entry> out;
    sql_stmt s(db, "SELECT seq, time, actor, action, object, prev_hash, hash FROM audit ORDER BY seq", where);
    while (s.step())
        out.push_back({s.col_int(0), s.col_text(1), s.col_text(2), s.col_text(3), s.col_text(4), s.col_blob(5),
                       s.col_blob(6)});
    return out;
}

audit_report audit_verify(sqlite3* db, const std::string& where) {
    const std::vector<audit_entry> entries = audit_read(db, where);
    audit_report r;
    r.n_entries = int64_t(entries.size());
    auto bad = [&](int64_t seq, const std::string& problem) {
        r.ok = false;
        r.bad_seq = seq;
        r.problem = "audit entry " + std::to_string(seq) + ": " + problem;
        return r;
    };
    std::vector<unsigned char> prev(k_hash_bytes, 0);
    for (size_t i = 0; i < entries.size(); i++) {
        const audit_entry& e = entries[i];
        const int64_t expected = int64_t(i) + 1;
        if (e.seq != expected)
            return bad(expected, "missing (the next entry is " + std::to_string(e.seq) + "): an entry was deleted");
        if (e.prev_hash != prev)
            return bad(e.seq, "does not follow entry " + std::to_string(e.seq - 1) +
                                  ": an entry was deleted, inserted or reordered");
        if (audit_entry_hash(e) != e.hash) return bad(e.seq, "its hash does not match its contents: it was edited");
        prev = e.hash;
    }
    const audit_head head = head_read(db, where);
    if (head.count != r.n_entries)
        return bad(r.n_entries + 1, "the log ends at entry " + std::to_string(r.n_entries) + " but its head says " +
                                        std::to_string(head.count) + ": entries were removed from the end");
    if (r.n_entries > 0 && head.last_hash_hex != hex(prev))
        return bad(r.n_entries, "the last entry does not match the log's head: it was replaced");
    return r;
}

}  // namespace clinote
