// The vault's tables. A schema version in the meta table lets a later clinote migrate.
#pragma once
#include <string>

struct sqlite3;

namespace clinote {

constexpr int k_vault_schema_version = 3;  // 2: custom note templates; 3: clinic adapter versions

void vault_schema_create(sqlite3* db, const std::string& vault_id, const std::string& where);
// Throws if the database is not a clinote vault of a version this build understands, or
// belongs to another key file. An older vault is migrated (the tables of later versions
// added) in one transaction: everything it holds stays as it was.
void vault_schema_check(sqlite3* db, const std::string& vault_id, const std::string& where);

}  // namespace clinote
