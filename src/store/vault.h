// The encrypted local store: one interface for everything clinote keeps about a visit
// (patients, encounters, audio, transcripts, note drafts and approved versions, adapters,
// the clinic's own note templates and adapter versions) plus the hash-chained audit log. A vault is a folder holding vault.db (SQLCipher, WAL)
// and vault.key (the wrapped data key, see key_file.h).
//
// Every function takes the vault's lock for its duration and fails with
// "<folder>: vault is locked" after vault_lock, after the idle timeout, or after a
// SIGTERM/SIGINT wiped the key. Functions that change data append an audit entry in the
// same transaction, so the log and the data cannot disagree after a crash.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/kdf.h"
#include "store/secret.h"

namespace clinote {

struct vault;
struct vault_deleter {
    void operator()(vault* v) const;  // locks (wipes the key), then frees
};
using vault_ptr = std::unique_ptr<vault, vault_deleter>;

struct vault_options {
    std::string actor;          // who acts, for the audit log; "" → $USER
    double idle_timeout_s = 0;  // lock after this long without a call; 0 = never
};

struct vault_create_options {
    kdf_level kdf = kdf_level::moderate;
    bool recovery_key = false;  // also wrap the data key under a random recovery key
};

// Creates a new vault in `dir` (which must not exist or be empty). When
// opts.recovery_key is set, *recovery_key receives it, formatted to be written down:
// it is shown once and stored nowhere in readable form.
vault_ptr vault_create(const std::string& dir, std::string_view passphrase, const vault_create_options& opts,
                       const vault_options& vopts = {}, secret* recovery_key = nullptr);
// Opens (unlocks) an existing vault. "wrong passphrase" leaves every file untouched; a
// damaged key file or database gives a clear error and is not written to.
vault_ptr vault_open(const std::string& dir, std::string_view passphrase, const vault_options& vopts = {});
vault_ptr vault_open_with_recovery_key(const std::string& dir, std::string_view recovery_key,
                                       const vault_options& vopts = {});

// Closes the database and wipes every copy of the key this process holds.
void vault_lock(vault& v);
bool vault_is_locked(vault& v);
// Work on the vault's behalf that outlasts the idle timeout (clinote improve holds the notes in
// memory while it trains, then stores the result): while a scope is alive the idle timeout does
// not lock the vault; vault_lock still does. The idle clock restarts when the last one ends.
struct vault_busy {
    explicit vault_busy(vault& v);
    ~vault_busy();
    vault_busy(const vault_busy&) = delete;
    vault_busy& operator=(const vault_busy&) = delete;
    vault& v;
};
// Unlocks a locked handle again (a long-running server after an idle lock).
void vault_unlock(vault& v, std::string_view passphrase);
// Rewraps the data key under a new passphrase (and, if given, a new KDF level); the
// database is not re-encrypted. The old passphrase stops working.
void vault_change_passphrase(vault& v, std::string_view new_passphrase, std::optional<kdf_level> level = {});
kdf_params vault_kdf(vault& v);

// Records. Times are UTC, ISO 8601 ("2026-11-23T08:43:08Z").
struct patient_record {
    int64_t id = 0;
    std::string external_ref;  // the practice's own identifier, optional
    std::string name;
    std::string birth_date;
};

struct encounter_record {
    int64_t id = 0;
    std::optional<int64_t> patient_id;
    std::string title;
    std::string created_at;
};

struct transcript_record {
    int64_t id = 0;
    int64_t encounter_id = 0;
    int64_t version = 0;  // 1, 2, ... per encounter
    std::string text;
    std::string source;  // "asr", "import", a file name, ...
    std::string created_at;
};

struct note_record {
    int64_t id = 0;
    int64_t encounter_id = 0;
    int64_t version = 0;   // 1, 2, ... per encounter, drafts and approvals together
    std::string kind;      // "draft" or "approved"
    std::string text;
    std::string diff;      // approved: unified diff from the draft it was based on
    std::string author;    // clinician for approvals, generator for drafts
    std::optional<int64_t> based_on;    // note id an approval was edited from
    std::optional<int64_t> adapter_id;  // adapter that generated a draft
    std::string created_at;
};

struct audio_record {
    int64_t id = 0;
    int64_t encounter_id = 0;
    std::string mime;
    std::vector<unsigned char> data;
    std::string created_at;
};

struct adapter_record {
    int64_t id = 0;
    std::string name;
    std::string sha256;  // of the adapter file, hex
    std::string created_at;
};

// Everything stored for one encounter.
struct encounter_content {
    encounter_record encounter;
    std::optional<patient_record> patient;
    std::vector<transcript_record> transcripts;  // by version
    std::vector<note_record> notes;              // by version
    std::vector<audio_record> audio;
};

struct encounter_summary {
    encounter_record encounter;
    int64_t n_transcripts = 0;
    int64_t n_notes = 0;
    bool approved = false;  // has at least one clinician-approved note
};

// What vault_patient_add and vault_transcript_add refuse, for a caller that checks a whole
// request before it writes any of it: a birth date that is not a YYYY-MM-DD calendar date
// (empty is allowed), a transcript that is not UTF-8 or holds only whitespace.
void vault_birth_date_check(const std::string& birth_date, const std::string& where);
void vault_transcript_check(std::string_view text, const std::string& where);

int64_t vault_patient_add(vault& v, const patient_record& p);
int64_t vault_encounter_add(vault& v, const encounter_record& e);
std::vector<encounter_summary> vault_encounter_list(vault& v);
// Throws "<folder>: no encounter N".
encounter_content vault_encounter_load(vault& v, int64_t encounter_id);
void vault_encounter_delete(vault& v, int64_t encounter_id);

// Text is checked (vault_transcript_check; the error names `source`). Returns the new version's record.
transcript_record vault_transcript_add(vault& v, int64_t encounter_id, std::string_view text, const std::string& source);
int64_t vault_audio_add(vault& v, int64_t encounter_id, const std::string& mime, const std::vector<unsigned char>& data);
int64_t vault_adapter_add(vault& v, const std::string& name, const std::string& sha256);
std::vector<adapter_record> vault_adapter_list(vault& v);
note_record vault_note_add_draft(vault& v, int64_t encounter_id, std::string_view text, const std::string& author,
                                 std::optional<int64_t> adapter_id = {});
// A clinician-approved version: stores the text (ending its last line, as drafts do) and its
// diff from the latest draft.
note_record vault_note_approve(vault& v, int64_t encounter_id, std::string_view text, const std::string& clinician);
std::optional<note_record> vault_note_latest(vault& v, int64_t encounter_id, const std::string& kind);

// The clinic's own note templates, kept as their JSON (the caller checks it with
// notes/note_template.h's template_from_json before saving). Saving a name replaces it.
struct template_record {
    std::string name, json, updated_at;
};
void vault_template_save(vault& v, const std::string& name, const std::string& json);
std::vector<template_record> vault_template_list(vault& v);  // by name
bool vault_template_delete(vault& v, const std::string& name);  // false: there was none

// The clinic adapter's versions (improve/: "Improve from my notes"). Every candidate trained
// from approved notes is kept with its scores, as promoted or refused; one promoted version
// is current — the adapter the clinic's notes are written with — and a rollback makes an
// earlier one current again. The weights live in the encrypted database.
struct adapter_version_record {
    int64_t version = 0;
    std::string base;                    // the base model it was trained for
    std::optional<int64_t> parent;       // the version it was trained from
    std::string decision;                // "promoted" or "refused"
    std::string scores;                  // JSON: the comparison that decided
    std::vector<unsigned char> weights;  // filled by vault_adapter_version_load only
    std::string created_at;
};
// Stores r (its version and time are assigned); a promoted one becomes current. Audited as
// "adapter.promote" or "adapter.refuse" with the object "adapter_version:N".
adapter_version_record vault_adapter_version_add(vault& v, adapter_version_record r);
std::vector<adapter_version_record> vault_adapter_version_list(vault& v);  // by version, without weights
// Throws "<folder>: no adapter version N".
adapter_version_record vault_adapter_version_load(vault& v, int64_t version);
std::optional<int64_t> vault_adapter_version_current(vault& v);
// Makes a promoted version current again, or none (version 0: notes are written without a
// clinic adapter). Audited as "adapter.rollback". Throws for an unknown or refused version.
void vault_adapter_version_use(vault& v, int64_t version);

// The audit log: time, actor, action, object id — never the content itself.
struct audit_entry {
    int64_t seq = 0;
    std::string time, actor, action, object;
    std::vector<unsigned char> prev_hash, hash;
};

struct audit_report {
    bool ok = true;
    int64_t n_entries = 0;
    int64_t bad_seq = 0;  // first entry that fails, 0 when ok
    std::string problem;  // one line, empty when ok
};

std::vector<audit_entry> vault_audit_entries(vault& v);
audit_report vault_audit_verify(vault& v);
// Appends an entry for an action a caller performed outside the store (a note shown to
// the user, a print). `object` must be an id such as "encounter:3", never content.
void vault_audit_record(vault& v, const std::string& action, const std::string& object);

// Export and import. The archive is one file encrypted (XChaCha20-Poly1305) under a key
// that Argon2id derives from `passphrase`, with the vault's KDF parameters.
void vault_export_archive(vault& v, const std::string& path, std::string_view passphrase);
// Adds every encounter in the archive as a new encounter; returns how many. Throws
// "<path>: wrong passphrase or damaged archive".
int64_t vault_import_archive(vault& v, const std::string& path, std::string_view passphrase);
// Unencrypted exports (the caller warns the user). Markdown: one section per encounter
// with its transcript and latest note; FHIR: a collection Bundle of Patient, Encounter
// and DocumentReference resources.
std::string vault_export_markdown(vault& v);
std::string vault_export_fhir(vault& v);

}  // namespace clinote
