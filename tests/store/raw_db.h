// Opens a vault's database directly with its data key, bypassing the vault API, the way
// someone holding the key could: tests use it to tamper with what the API protects.
#pragma once
#define SQLITE_HAS_CODEC 1
#include <sqlite3.h>

#include <sodium.h>

#include <string>

#include "store/key_file.h"
#include "store_test_util.h"

namespace clinote::test {

struct raw_db {
    sqlite3* db = nullptr;
    explicit raw_db(const std::string& vault_dir) {
        const std::string key_path = vault_dir + "/vault.key";
        const secret key = key_file_unwrap_passphrase(key_file_read(key_path), k_pass, key_path);
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, key.data, key.size);
        sqlite3_open((vault_dir + "/vault.db").c_str(), &db);
        exec(std::string("PRAGMA key = \"x'") + hex + "'\"; PRAGMA cipher_page_size = 4096;");
        sodium_memzero(hex, sizeof hex);
    }
    ~raw_db() { sqlite3_close(db); }
    // Returns SQLite's error message, "" on success.
    std::string exec(const std::string& sql) {
        char* msg = nullptr;
        sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
        std::string out = msg ? msg : "";
        sqlite3_free(msg);
        return out;
    }
};

}  // namespace clinote::test
