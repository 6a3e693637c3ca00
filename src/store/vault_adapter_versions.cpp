// The clinic adapter's versions: candidates with their scores, and which one is current.
#include <sqlite3.h>

#include "core/error.h"
#include "core/utc_time.h"
#include "store/audit_log.h"
#include "store/sql.h"
#include "store/vault_internal.h"

namespace clinote {

namespace {

std::string version_object(int64_t version) { return "adapter_version:" + std::to_string(version); }

constexpr const char* k_version_columns = "SELECT id, base, parent, decision, scores, created_at";

adapter_version_record version_from_row(const sql_stmt& s) {
    adapter_version_record r;
    r.version = s.col_int(0);
    r.base = s.col_text(1);
    if (!s.col_is_null(2)) r.parent = s.col_int(2);
    r.decision = s.col_text(3);
    r.scores = s.col_text(4);
    r.created_at = s.col_text(5);
    return r;
}

void current_set(vault_access& a, int64_t version) {
    sql_stmt s(a.db, "UPDATE meta SET value = ? WHERE key = 'current_adapter_version'", a.where());
    s.bind(1, version > 0 ? std::to_string(version) : std::string()).run();
}

}  // namespace

adapter_version_record vault_adapter_version_add(vault& v, adapter_version_record r) {
    if (r.decision != "promoted" && r.decision != "refused")
        fail(v.dir, "adapter version decision must be promoted or refused, not '" + r.decision + "'");
    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    r.created_at = utc_now();
    sql_stmt s(a.db,
               "INSERT INTO adapter_versions(base, parent, decision, scores, weights, created_at) VALUES (?,?,?,?,?,?)",
               a.where());
    s.bind(1, r.base).bind(2, r.parent).bind(3, r.decision).bind(4, r.scores);
    s.bind_blob(5, r.weights.data(), r.weights.size()).bind(6, r.created_at).run();
    r.version = sqlite3_last_insert_rowid(a.db);
    if (r.decision == "promoted") current_set(a, r.version);
    audit_append(a.db, v.actor, r.decision == "promoted" ? "adapter.promote" : "adapter.refuse",
                 version_object(r.version), a.where());
    tx.commit();
    return r;
}

std::vector<adapter_version_record> vault_adapter_version_list(vault& v) {
    vault_access a(v);
    std::vector<adapter_version_record> out;
    sql_stmt s(a.db, (std::string(k_version_columns) + " FROM adapter_versions ORDER BY id").c_str(), a.where());
    while (s.step()) out.push_back(version_from_row(s));
    return out;
}

adapter_version_record vault_adapter_version_load(vault& v, int64_t version) {
    vault_access a(v);
    sql_stmt s(a.db, (std::string(k_version_columns) + ", weights FROM adapter_versions WHERE id = ?").c_str(),
               a.where());
    s.bind(1, version);
    if (!s.step()) fail(v.dir, "no adapter version " + std::to_string(version));
    adapter_version_record r = version_from_row(s);
    r.weights = s.col_blob(6);
    return r;
}

std::optional<int64_t> vault_adapter_version_current(vault& v) {
    vault_access a(v);
    const std::string value = sql_value(a.db, "SELECT value FROM meta WHERE key = 'current_adapter_version'", a.where());
    if (value.empty()) return std::nullopt;
    return std::stoll(value);
}

void vault_adapter_version_use(vault& v, int64_t version) {
    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    if (version > 0) {
        sql_stmt s(a.db, "SELECT decision FROM adapter_versions WHERE id = ?", a.where());
        s.bind(1, version);
        if (!s.step()) fail(v.dir, "no adapter version " + std::to_string(version));
        if (s.col_text(0) != "promoted")
            fail(v.dir, "adapter version " + std::to_string(version) + " was refused; only a promoted version can be used");
    }
    current_set(a, version);
    audit_append(a.db, v.actor, "adapter.rollback", version > 0 ? version_object(version) : "adapter_version:none",
                 a.where());
    tx.commit();
}

}  // namespace clinote
