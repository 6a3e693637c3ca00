// The vault handle's insides, shared by the store's own .cpp files (and its tests); the
// rest of clinote sees only vault.h.
#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/utc_time.h"
#include "store/key_file.h"
#include "store/secret.h"
#include "store/vault.h"

struct sqlite3;

namespace clinote {

struct vault {
    std::string dir, db_path, key_path;
    std::string actor;
    double idle_timeout_s = 0;

    std::mutex mu;  // one call at a time; guards everything below
    std::condition_variable wake;
    std::thread idle_watch;
    bool stop_watch = false;
    std::string lock_reason;  // why the vault is locked, for the error message
    int busy = 0;             // live vault_busy scopes: the idle timeout waits for them

    sqlite3* db = nullptr;  // null while locked
    secret data_key;
    key_file keys;
    std::chrono::steady_clock::time_point last_used;
};

// Holds the vault's mutex for one call and hands out the open database; throws
// "<folder>: vault is locked" when it is not open (locking it first if it sat idle too long).
struct vault_access {
    std::unique_lock<std::mutex> hold;
    vault& v;
    sqlite3* db;
    explicit vault_access(vault& v);
    const std::string& where() const { return v.db_path; }
};

// Everything stored for one encounter, read inside the caller's transaction without an
// audit entry (the caller writes the one entry that covers its whole operation).
encounter_content encounter_content_read(vault_access& a, int64_t encounter_id);
std::vector<int64_t> encounter_ids(vault_access& a);

// Test hook: the value of `PRAGMA <name>` on the vault's own connection.
std::string vault_debug_pragma(vault& v, const std::string& name);

}  // namespace clinote
