// The audit log: append-only (triggers refuse UPDATE and DELETE) and hash-chained: each
// entry's hash is BLAKE2b-256 over the previous hash and its own fields, and the chain's
// head (count and last hash) is kept in the meta table, so an edited, deleted, inserted
// or reordered entry — or a dropped tail — breaks verification. Someone holding the data
// key could rewrite the whole chain and its head consistently; the chain proves order and
// integrity against edits made without rerunning it, not against the key's owner.
#pragma once
#include <string>
#include <vector>

#include "store/vault.h"

struct sqlite3;

namespace clinote {

// SQL that creates the audit table, its triggers, and the head row.
extern const char* const k_audit_schema;

// Appends one entry inside the caller's transaction.
void audit_append(sqlite3* db, const std::string& actor, const std::string& action, const std::string& object,
                  const std::string& where);
std::vector<audit_entry> audit_read(sqlite3* db, const std::string& where);
audit_report audit_verify(sqlite3* db, const std::string& where);

// The entry hash, exposed so tests can check it against an independent computation.
std::vector<unsigned char> audit_entry_hash(const audit_entry& e);

}  // namespace clinote
