#include "store/vault_schema.h"

#include "core/error.h"
#include "store/audit_log.h"
#include "store/sql.h"

namespace clinote {

namespace {

const char* const k_schema = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    external_ref TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    birth_date TEXT NOT NULL DEFAULT ''
);
CREATE TABLE encounters (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER REFERENCES patients(id),
    title TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE audio (
    id INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id) ON DELETE CASCADE,
    mime TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE transcripts (
    id INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (encounter_id, version)
);
CREATE TABLE adapters (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('draft', 'approved')),
    text TEXT NOT NULL,
    diff TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    based_on INTEGER REFERENCES notes(id),
    adapter_id INTEGER REFERENCES adapters(id),
    created_at TEXT NOT NULL,
    UNIQUE (encounter_id, version)
);
CREATE INDEX audio_encounter ON audio(encounter_id);
)sql";

// Version 2: the clinic's own note templates, as their JSON (checked by notes/note_template.h).
const char* const k_templates_table = R"sql(
CREATE TABLE templates (
    name TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
)sql";

// Version 3: the clinic adapter's versions ("Improve from my notes"): weights inside the
// encrypted database, since an adapter trained on a clinic's notes may reproduce them.
const char* const k_adapter_versions_table = R"sql(
CREATE TABLE adapter_versions (
    id INTEGER PRIMARY KEY,
    base TEXT NOT NULL,
    parent INTEGER REFERENCES adapter_versions(id),
    decision TEXT NOT NULL CHECK (decision IN ('promoted', 'refused')),
    scores TEXT NOT NULL,
    weights BLOB NOT NULL,
    created_at TEXT NOT NULL
);
INSERT INTO meta(key, value) VALUES ('current_adapter_version', '');
)sql";

}  // namespace

void vault_schema_create(sqlite3* db, const std::string& vault_id, const std::string& where) {
    sql_exec(db, k_schema, where);
    sql_exec(db, k_templates_table, where);
    sql_exec(db, k_adapter_versions_table, where);
    sql_exec(db, k_audit_schema, where);
    sql_stmt s(db, "INSERT INTO meta(key, value) VALUES ('schema_version', ?), ('vault_id', ?)", where);
    s.bind(1, std::to_string(k_vault_schema_version)).bind(2, vault_id).run();
}

void vault_schema_check(sqlite3* db, const std::string& vault_id, const std::string& where) {
    if (sql_value(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'", where) != "1")
        fail(where, "not a clinote vault database");
    const std::string version = sql_value(db, "SELECT value FROM meta WHERE key = 'schema_version'", where);
    if (version != "1" && version != "2" && version != std::to_string(k_vault_schema_version))
        fail(where, "vault schema version '" + version + "' is not supported by this clinote");
    if (sql_value(db, "SELECT value FROM meta WHERE key = 'vault_id'", where) != vault_id)
        fail(where, "this database belongs to another vault than its key file");
    if (version == "1" || version == "2") {
        sql_transaction tx(db, where);
        if (version == "1") sql_exec(db, k_templates_table, where);
        sql_exec(db, k_adapter_versions_table, where);
        sql_exec(db, "UPDATE meta SET value = '3' WHERE key = 'schema_version'", where);
        tx.commit();
    }
}

}  // namespace clinote
