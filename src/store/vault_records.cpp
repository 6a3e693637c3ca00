// Encounters, patients, transcripts, audio, adapters and note versions.
#include <sqlite3.h>

#include "core/error.h"
#include "core/utc_time.h"
#include "core/utf8.h"
#include "store/audit_log.h"
#include "store/line_diff.h"
#include "store/sql.h"
#include "store/vault_internal.h"

namespace clinote {

namespace {

std::string object_id(const char* kind, int64_t id) { return std::string(kind) + ":" + std::to_string(id); }

void require_encounter(vault_access& a, int64_t encounter_id) {
    sql_stmt s(a.db, "SELECT 1 FROM encounters WHERE id = ?", a.where());
    s.bind(1, encounter_id);
    if (!s.step()) fail(a.v.dir, "no encounter " + std::to_string(encounter_id));
}

int64_t next_version(vault_access& a, const char* table, int64_t encounter_id) {
    const std::string sql = std::string("SELECT coalesce(max(version), 0) + 1 FROM ") + table + " WHERE encounter_id = ?";
    sql_stmt s(a.db, sql.c_str(), a.where());
    s.bind(1, encounter_id);
    s.step();
    return s.col_int(0);
}

constexpr const char* k_note_columns =
    "SELECT id, encounter_id, version, kind, text, diff, author, based_on, adapter_id, created_at FROM notes ";

note_record note_from_row(const sql_stmt& s) {
    note_record n;
    n.id = s.col_int(0);
    n.encounter_id = s.col_int(1);
    n.version = s.col_int(2);
    n.kind = s.col_text(3);
    n.text = s.col_text(4);
    n.diff = s.col_text(5);
    n.author = s.col_text(6);
    if (!s.col_is_null(7)) n.based_on = s.col_int(7);
    if (!s.col_is_null(8)) n.adapter_id = s.col_int(8);
    n.created_at = s.col_text(9);
    return n;
}

std::optional<note_record> latest_note(vault_access& a, int64_t encounter_id, const std::string& kind) {
    sql_stmt s(a.db, (std::string(k_note_columns) + "WHERE encounter_id = ? AND kind = ? ORDER BY version DESC LIMIT 1").c_str(),
               a.where());
    s.bind(1, encounter_id).bind(2, kind);
    if (!s.step()) return std::nullopt;
    return note_from_row(s);
}

note_record note_insert(vault_access& a, note_record n, const char* action) {
    sql_transaction tx(a.db, a.where());
    require_encounter(a, n.encounter_id);
    n.version = next_version(a, "notes", n.encounter_id);
    n.created_at = utc_now();
    sql_stmt s(a.db,
               "INSERT INTO notes(encounter_id, version, kind, text, diff, author, based_on, adapter_id, created_at) "
               "VALUES (?,?,?,?,?,?,?,?,?)",
               a.where());
    s.bind(1, n.encounter_id).bind(2, n.version).bind(3, n.kind).bind(4, n.text).bind(5, n.diff).bind(6, n.author);
    s.bind(7, n.based_on).bind(8, n.adapter_id).bind(9, n.created_at).run();
    n.id = sqlite3_last_insert_rowid(a.db);
    audit_append(a.db, a.v.actor, action, object_id("note", n.id), a.where());
    tx.commit();
    return n;
}

}  // namespace

void vault_birth_date_check(const std::string& birth_date, const std::string& where) {
    if (!birth_date.empty() && !iso_date_valid(birth_date)) fail(where, "'" + birth_date + "' is not a date (YYYY-MM-DD)");
}

void vault_transcript_check(std::string_view text, const std::string& where) {
    utf8_require(text, where);
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) fail(where, "empty transcript");
}

int64_t vault_patient_add(vault& v, const patient_record& p) {
    vault_birth_date_check(p.birth_date, "birth date");
    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    sql_stmt s(a.db, "INSERT INTO patients(external_ref, name, birth_date) VALUES (?,?,?)", a.where());
    s.bind(1, p.external_ref).bind(2, p.name).bind(3, p.birth_date).run();
    const int64_t id = sqlite3_last_insert_rowid(a.db);
    audit_append(a.db, v.actor, "patient.add", object_id("patient", id), a.where());
    tx.commit();
    return id;
}

int64_t vault_encounter_add(vault& v, const encounter_record& e) {
    vault_access a(v);
    utf8_require(e.title, "encounter title");
    sql_transaction tx(a.db, a.where());
    if (e.patient_id) {
        sql_stmt p(a.db, "SELECT 1 FROM patients WHERE id = ?", a.where());
        p.bind(1, *e.patient_id);
        if (!p.step()) fail(v.dir, "no patient " + std::to_string(*e.patient_id));
    }
    sql_stmt s(a.db, "INSERT INTO encounters(patient_id, title, created_at) VALUES (?,?,?)", a.where());
    s.bind(1, e.patient_id).bind(2, e.title).bind(3, e.created_at.empty() ? utc_now() : e.created_at).run();
    const int64_t id = sqlite3_last_insert_rowid(a.db);
    audit_append(a.db, v.actor, "encounter.add", object_id("encounter", id), a.where());
    tx.commit();
    return id;
}

std::vector<int64_t> encounter_ids(vault_access& a) {
    std::vector<int64_t> ids;
    sql_stmt s(a.db, "SELECT id FROM encounters ORDER BY id", a.where());
    while (s.step()) ids.push_back(s.col_int(0));
    return ids;
}

std::vector<encounter_summary> vault_encounter_list(vault& v) {
    vault_access a(v);
    std::vector<encounter_summary> out;
    sql_stmt s(a.db,
               "SELECT e.id, e.patient_id, e.title, e.created_at,"
               " (SELECT count(*) FROM transcripts t WHERE t.encounter_id = e.id),"
               " (SELECT count(*) FROM notes n WHERE n.encounter_id = e.id),"
               " EXISTS (SELECT 1 FROM notes n WHERE n.encounter_id = e.id AND n.kind = 'approved')"
               " FROM encounters e ORDER BY e.id",
               a.where());
    while (s.step()) {
        encounter_summary e;
        e.encounter.id = s.col_int(0);
        if (!s.col_is_null(1)) e.encounter.patient_id = s.col_int(1);
        e.encounter.title = s.col_text(2);
        e.encounter.created_at = s.col_text(3);
        e.n_transcripts = s.col_int(4);
        e.n_notes = s.col_int(5);
        e.approved = s.col_int(6) != 0;
        out.push_back(std::move(e));
    }
    return out;
}

encounter_content encounter_content_read(vault_access& a, int64_t encounter_id) {
    encounter_content c;
    {
        sql_stmt s(a.db, "SELECT id, patient_id, title, created_at FROM encounters WHERE id = ?", a.where());
        s.bind(1, encounter_id);
        if (!s.step()) fail(a.v.dir, "no encounter " + std::to_string(encounter_id));
        c.encounter.id = s.col_int(0);
        if (!s.col_is_null(1)) c.encounter.patient_id = s.col_int(1);
        c.encounter.title = s.col_text(2);
        c.encounter.created_at = s.col_text(3);
    }
    if (c.encounter.patient_id) {
        sql_stmt s(a.db, "SELECT id, external_ref, name, birth_date FROM patients WHERE id = ?", a.where());
        s.bind(1, *c.encounter.patient_id);
        if (s.step()) c.patient = patient_record{s.col_int(0), s.col_text(1), s.col_text(2), s.col_text(3)};
    }
    {
        sql_stmt s(a.db,
                   "SELECT id, encounter_id, version, text, source, created_at FROM transcripts"
                   " WHERE encounter_id = ? ORDER BY version",
                   a.where());
        s.bind(1, encounter_id);
        while (s.step())
            c.transcripts.push_back({s.col_int(0), s.col_int(1), s.col_int(2), s.col_text(3), s.col_text(4), s.col_text(5)});
    }
    {
        sql_stmt s(a.db, (std::string(k_note_columns) + "WHERE encounter_id = ? ORDER BY version").c_str(), a.where());
        s.bind(1, encounter_id);
        while (s.step()) c.notes.push_back(note_from_row(s));
    }
    {
        sql_stmt s(a.db, "SELECT id, encounter_id, mime, data, created_at FROM audio WHERE encounter_id = ? ORDER BY id",
                   a.where());
        s.bind(1, encounter_id);
        while (s.step()) c.audio.push_back({s.col_int(0), s.col_int(1), s.col_text(2), s.col_blob(3), s.col_text(4)});
    }
    return c;
}

encounter_content vault_encounter_load(vault& v, int64_t encounter_id) {
    vault_access a(v);
    sql_transaction tx(a.db, a.where());  // one consistent snapshot, and the read is audited
    encounter_content c = encounter_content_read(a, encounter_id);
    audit_append(a.db, v.actor, "encounter.read", object_id("encounter", encounter_id), a.where());
    tx.commit();
    return c;
}

void vault_encounter_delete(vault& v, int64_t encounter_id) {
    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    require_encounter(a, encounter_id);
    sql_stmt s(a.db, "DELETE FROM encounters WHERE id = ?", a.where());
    s.bind(1, encounter_id).run();
    audit_append(a.db, v.actor, "encounter.delete", object_id("encounter", encounter_id), a.where());
    tx.commit();
}

transcript_record vault_transcript_add(vault& v, int64_t encounter_id, std::string_view text, const std::string& source) {
    vault_transcript_check(text, source.empty() ? "transcript" : source);
    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    require_encounter(a, encounter_id);
    transcript_record t{0, encounter_id, next_version(a, "transcripts", encounter_id), std::string(text), source, utc_now()};
    sql_stmt s(a.db, "INSERT INTO transcripts(encounter_id, version, text, source, created_at) VALUES (?,?,?,?,?)",
               a.where());
    s.bind(1, encounter_id).bind(2, t.version).bind(3, t.text).bind(4, t.source).bind(5, t.created_at).run();
    t.id = sqlite3_last_insert_rowid(a.db);
    audit_append(a.db, v.actor, "transcript.add", object_id("transcript", t.id), a.where());
    tx.commit();
    return t;
}

int64_t vault_audio_add(vault& v, int64_t encounter_id, const std::string& mime, const std::vector<unsigned char>& data) {
    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    require_encounter(a, encounter_id);
    sql_stmt s(a.db, "INSERT INTO audio(encounter_id, mime, data, created_at) VALUES (?,?,?,?)", a.where());
    s.bind(1, encounter_id).bind(2, mime).bind_blob(3, data.data(), data.size()).bind(4, utc_now()).run();
    const int64_t id = sqlite3_last_insert_rowid(a.db);
    audit_append(a.db, v.actor, "audio.add", object_id("audio", id), a.where());
    tx.commit();
    return id;
}

int64_t vault_adapter_add(vault& v, const std::string& name, const std::string& sha256) {
    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    sql_stmt s(a.db, "INSERT INTO adapters(name, sha256, created_at) VALUES (?,?,?)", a.where());
    s.bind(1, name).bind(2, sha256).bind(3, utc_now()).run();
    const int64_t id = sqlite3_last_insert_rowid(a.db);
    audit_append(a.db, v.actor, "adapter.add", object_id("adapter", id), a.where());
    tx.commit();
    return id;
}

std::vector<adapter_record> vault_adapter_list(vault& v) {
    vault_access a(v);
    std::vector<adapter_record> out;
    sql_stmt s(a.db, "SELECT id, name, sha256, created_at FROM adapters ORDER BY id", a.where());
    while (s.step()) out.push_back({s.col_int(0), s.col_text(1), s.col_text(2), s.col_text(3)});
    return out;
}

note_record vault_note_add_draft(vault& v, int64_t encounter_id, std::string_view text, const std::string& author,
                                 std::optional<int64_t> adapter_id) {
    utf8_require(text, "note draft");
    vault_access a(v);
    note_record n;
    n.encounter_id = encounter_id;
    n.kind = "draft";
    n.text = text;
    n.author = author;
    n.adapter_id = adapter_id;
    return note_insert(a, std::move(n), "note.draft");
}

note_record vault_note_approve(vault& v, int64_t encounter_id, std::string_view text, const std::string& clinician) {
    utf8_require(text, "approved note");
    vault_access a(v);
    note_record n;
    n.encounter_id = encounter_id;
    n.kind = "approved";
    n.text = text;
    // A note ends its last line (as drafts do), so an editor's missing final newline is not a
    // change the diff reports.
    if (!n.text.empty() && n.text.back() != '\n') n.text += '\n';
    n.author = clinician.empty() ? v.actor : clinician;
    if (const auto draft = latest_note(a, encounter_id, "draft")) {
        n.based_on = draft->id;
        n.diff = line_diff_unified(draft->text, n.text);
    }
    return note_insert(a, std::move(n), "note.approve");
}

std::optional<note_record> vault_note_latest(vault& v, int64_t encounter_id, const std::string& kind) {
    vault_access a(v);
    return latest_note(a, encounter_id, kind);
}

std::vector<audit_entry> vault_audit_entries(vault& v) {
    vault_access a(v);
    return audit_read(a.db, a.where());
}

audit_report vault_audit_verify(vault& v) {
    vault_access a(v);
    return audit_verify(a.db, a.where());
}

void vault_audit_record(vault& v, const std::string& action, const std::string& object) {
    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    audit_append(a.db, v.actor, action, object, a.where());
    tx.commit();
}

void vault_template_save(vault& v, const std::string& name, const std::string& json) {
    utf8_require(json, "template " + name);
    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    sql_stmt s(a.db, "INSERT OR REPLACE INTO templates(name, json, updated_at) VALUES (?,?,?)", a.where());
    s.bind(1, name).bind(2, json).bind(3, utc_now()).run();
    audit_append(a.db, v.actor, "template.save", "template:" + name, a.where());
    tx.commit();
}

std::vector<template_record> vault_template_list(vault& v) {
    vault_access a(v);
    std::vector<template_record> out;
    sql_stmt s(a.db, "SELECT name, json, updated_at FROM templates ORDER BY name", a.where());
    while (s.step()) out.push_back({s.col_text(0), s.col_text(1), s.col_text(2)});
    return out;
}

bool vault_template_delete(vault& v, const std::string& name) {
    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    sql_stmt s(a.db, "DELETE FROM templates WHERE name = ?", a.where());
    s.bind(1, name).run();
    const bool deleted = sqlite3_changes(a.db) > 0;
    if (deleted) audit_append(a.db, v.actor, "template.delete", "template:" + name, a.where());
    tx.commit();
    return deleted;
}

}  // namespace clinote
