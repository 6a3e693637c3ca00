#include "store/vault.h"

#define SQLITE_HAS_CODEC 1
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <sodium.h>

#include "core/error.h"
#include "store/audit_log.h"
#include "store/passphrase_input.h"
#include "store/sql.h"
#include "store/vault_internal.h"
#include "store/vault_schema.h"

namespace clinote {

namespace {

namespace fs = std::filesystem;

// SQLCipher 3's defaults, set explicitly so a build against SQLCipher 4 (whose defaults
// differ) still opens the same files: cipher_compatibility is a no-op before 4.0.
constexpr int k_page_size = 4096;
constexpr int k_vault_id_bytes = 16;

std::string actor_or_user(const std::string& actor) {
    if (!actor.empty()) return actor;
    const char* user = std::getenv("USER");
    return user && *user ? user : "unknown";
}

vault_ptr vault_new(const std::string& dir, const vault_options& o) {
    vault_ptr v(new vault);
    v->dir = dir;
    v->db_path = (fs::path(dir) / "vault.db").string();
    v->key_path = (fs::path(dir) / "vault.key").string();
    v->actor = actor_or_user(o.actor);
    v->idle_timeout_s = o.idle_timeout_s;
    v->lock_reason = "not unlocked";
    return v;
}

// Hands the raw key to SQLCipher as x'<hex>' through sqlite3_key, the C form of
// PRAGMA key: the hex text lives in a secret and never passes through the SQL parser,
// whose buffers we could not wipe.
void db_key(sqlite3* db, const secret& key, const std::string& where) {
    secret text(2 + key.size * 2 + 1 + 1);
    text.data[0] = 'x';
    text.data[1] = '\'';
    sodium_bin2hex(reinterpret_cast<char*>(text.data + 2), key.size * 2 + 1, key.data, key.size);
    text.data[2 + key.size * 2] = '\'';
    if (sqlite3_key(db, text.data, int(2 + key.size * 2 + 1)) != SQLITE_OK) sql_fail(db, where);
}

void db_configure(sqlite3* db, const std::string& where) {
    sql_exec(db,
             "PRAGMA cipher_compatibility = 3;"
             "PRAGMA cipher_page_size = 4096;",
             where);
}

// After the key: settings that hold per connection.
void db_connection_settings(sqlite3* db, const std::string& where) {
    sql_exec(db,
             "PRAGMA temp_store = MEMORY;"  // sorts and temp tables never reach a file
             "PRAGMA synchronous = FULL;"   // a returned commit survives power loss, not only a crash
             "PRAGMA foreign_keys = ON;"
             "PRAGMA secure_delete = ON;",  // deleted rows are zeroed, not left in free pages
             where);
    sqlite3_busy_timeout(db, 5000);
}

std::string vault_id_generate() {
    unsigned char id[k_vault_id_bytes];
    randombytes_buf(id, sizeof id);
    char hex[k_vault_id_bytes * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, id, sizeof id);
    return hex;
}

// Opens the existing database with the unwrapped key and checks every page before use.
// Nothing is written until the checks pass, so a damaged file stays as it was.
sqlite3* db_open_checked(const std::string& path, const secret& key, const std::string& vault_id) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) fail(path, "missing: the vault has a key file but no database");
    // SQLite would treat an empty file as a new database and happily create tables in it.
    if (st.st_size == 0) fail(path, "damaged vault: the database file is empty");
    if (st.st_size % k_page_size != 0)
        fail(path, "damaged vault: the database is truncated (" + std::to_string(st.st_size) +
                       " bytes is not a whole number of pages)");
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        const std::string msg = db ? sqlite3_errmsg(db) : "cannot open";
        sqlite3_close(db);
        fail(path, msg);
    }
    try {
        db_key(db, key, path);
        db_configure(db, path);
        sql_stmt probe(db, "SELECT count(*) FROM sqlite_master", path);
        probe.step();
    } catch (const error&) {
        sqlite3_close(db);
        // The key file opened, so the key is right: the database itself is damaged (or
        // was swapped with another vault's).
        fail(path, "damaged vault: the database cannot be decrypted (damaged, or not this key file's database)");
    }
    // quick_check reads every page, so SQLCipher's per-page HMAC catches a flipped bit anywhere.
    std::string check;
    try {
        check = sql_value(db, "PRAGMA quick_check", path);
    } catch (const error& e) {
        check = std::string(e.what()).substr(path.size() + 2);  // drop our own "<path>: "
    }
    if (check != "ok") {
        sqlite3_close(db);
        fail(path, "damaged vault: " + check);
    }
    try {
        vault_schema_check(db, vault_id, path);
        db_connection_settings(db, path);
    } catch (...) {
        sqlite3_close(db);
        throw;
    }
    return db;
}

// Caller holds v.mu.
void lock_held(vault& v, const std::string& reason) {
    if (v.db) {
        sqlite3_close_v2(v.db);  // SQLCipher wipes its copies of the key when the codec is freed
        v.db = nullptr;
    }
    secret_wipe(v.data_key);
    v.lock_reason = reason;
    v.stop_watch = true;
    v.wake.notify_all();
}

void watch_idle(vault* v) {
    std::unique_lock<std::mutex> hold(v->mu);
    const auto timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(v->idle_timeout_s));
    while (!v->stop_watch && v->db) {
        if (v->busy > 0) {
            v->wake.wait(hold);
            continue;
        }
        const auto deadline = v->last_used + timeout;
        if (std::chrono::steady_clock::now() >= deadline) {
            lock_held(*v, "idle timeout");
            return;
        }
        v->wake.wait_until(hold, deadline);
    }
}

void join_watch(vault& v) {
    if (v.idle_watch.joinable() && v.idle_watch.get_id() != std::this_thread::get_id()) v.idle_watch.join();
}

// Caller holds v.mu; v.db is closed. Takes ownership of the key on success.
void unlock_held(vault& v, secret data_key) {
    v.db = db_open_checked(v.db_path, data_key, v.keys.vault_id);
    v.data_key = std::move(data_key);
    v.last_used = std::chrono::steady_clock::now();
    v.lock_reason.clear();
    v.stop_watch = false;
    try {
        sql_transaction tx(v.db, v.db_path);
        audit_append(v.db, v.actor, "vault.unlock", "vault", v.db_path);
        tx.commit();
    } catch (...) {
        lock_held(v, "unlock failed");
        throw;
    }
}

void start_watch(vault& v) {
    join_watch(v);
    if (v.idle_timeout_s > 0) v.idle_watch = std::thread(watch_idle, &v);
}

vault_ptr open_with(const std::string& dir, const vault_options& o,
                    secret (*unwrap)(const key_file&, std::string_view, const std::string&), std::string_view secret_text) {
    secret_install_exit_wipe();
    vault_ptr v = vault_new(dir, o);
    v->keys = key_file_read(v->key_path);
    secret key = unwrap(v->keys, secret_text, v->key_path);
    {
        std::lock_guard<std::mutex> hold(v->mu);
        unlock_held(*v, std::move(key));
    }
    start_watch(*v);
    return v;
}

}  // namespace


vault_busy::vault_busy(vault& v_) : v(v_) {
    std::lock_guard<std::mutex> hold(v.mu);
    v.busy++;
}

vault_busy::~vault_busy() {
    std::lock_guard<std::mutex> hold(v.mu);
    v.busy--;
    v.last_used = std::chrono::steady_clock::now();
    v.wake.notify_all();
}

vault_access::vault_access(vault& v_) : hold(v_.mu), v(v_), db(v_.db) {
    if (v.db && v.idle_timeout_s > 0 && v.busy == 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - v.last_used).count() > v.idle_timeout_s)
        lock_held(v, "idle timeout");
    if (!v.db) fail(v.dir, "vault is locked (" + v.lock_reason + ")");
    db = v.db;
    v.last_used = std::chrono::steady_clock::now();
    v.wake.notify_all();
}

void vault_deleter::operator()(vault* v) const {
    vault_lock(*v);
    delete v;
}

vault_ptr vault_create(const std::string& dir, std::string_view passphrase, const vault_create_options& opts,
                       const vault_options& vopts, secret* recovery_key) {
    secret_install_exit_wipe();
    passphrase_require_strength(passphrase, "passphrase");
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) fail(dir, "already exists and is not empty");
    fs::create_directories(dir, ec);
    if (ec) fail(dir, "cannot create the folder: " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);

    vault_ptr v = vault_new(dir, vopts);
    secret key = data_key_generate();
    v->keys.vault_id = vault_id_generate();
    v->keys.kdf = kdf_params_for(opts.kdf);
    key_file_wrap_passphrase(v->keys, key, passphrase);
    if (opts.recovery_key) {
        secret rk = key_file_add_recovery(v->keys, key);
        if (recovery_key) *recovery_key = std::move(rk);
    }

    // Owner-only from the first byte; SQLite gives the -wal and -shm files the database file's mode.
    const int fd = ::open(v->db_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) fail(v->db_path, std::string("cannot create: ") + std::strerror(errno));
    ::close(fd);
    sqlite3* db = nullptr;
    try {
        if (sqlite3_open_v2(v->db_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                            nullptr) != SQLITE_OK)
            sql_fail(db, v->db_path);
        db_key(db, key, v->db_path);
        db_configure(db, v->db_path);
        sql_exec(db, "PRAGMA journal_mode = WAL", v->db_path);  // stored in the file: every later open uses WAL
        db_connection_settings(db, v->db_path);
        sql_transaction tx(db, v->db_path);
        vault_schema_create(db, v->keys.vault_id, v->db_path);
        audit_append(db, v->actor, "vault.create", "vault", v->db_path);
        tx.commit();
        sqlite3_close(db);
        db = nullptr;
        // The key file goes last: a vault folder with a key file is a complete vault.
        key_file_write(v->key_path, v->keys);
    } catch (...) {
        sqlite3_close(db);
        fs::remove(v->db_path, ec);
        fs::remove(v->db_path + "-wal", ec);
        fs::remove(v->db_path + "-shm", ec);
        throw;
    }
    {
        std::lock_guard<std::mutex> hold(v->mu);
        unlock_held(*v, std::move(key));
    }
    start_watch(*v);
    return v;
}

vault_ptr vault_open(const std::string& dir, std::string_view passphrase, const vault_options& vopts) {
    return open_with(dir, vopts, key_file_unwrap_passphrase, passphrase);
}

vault_ptr vault_open_with_recovery_key(const std::string& dir, std::string_view recovery_key,
                                       const vault_options& vopts) {
    return open_with(dir, vopts, key_file_unwrap_recovery, recovery_key);
}

void vault_lock(vault& v) {
    {
        std::lock_guard<std::mutex> hold(v.mu);
        if (v.db) {
            try {
                sql_transaction tx(v.db, v.db_path);
                audit_append(v.db, v.actor, "vault.lock", "vault", v.db_path);
                tx.commit();
            } catch (const error&) {
                // Locking must not fail: the key is wiped below whether or not the entry was written.
            }
        }
        lock_held(v, "locked");
    }
    join_watch(v);
}

bool vault_is_locked(vault& v) {
    std::lock_guard<std::mutex> hold(v.mu);
    return v.db == nullptr;
}

void vault_unlock(vault& v, std::string_view passphrase) {
    {
        std::lock_guard<std::mutex> hold(v.mu);
        if (v.db) return;
        v.keys = key_file_read(v.key_path);
        unlock_held(v, key_file_unwrap_passphrase(v.keys, passphrase, v.key_path));
    }
    start_watch(v);
}

void vault_change_passphrase(vault& v, std::string_view new_passphrase, std::optional<kdf_level> level) {
    passphrase_require_strength(new_passphrase, "new passphrase");
    vault_access a(v);
    key_file next = v.keys;
    if (level) next.kdf = kdf_params_for(*level);
    key_file_wrap_passphrase(next, v.data_key, new_passphrase);
    sql_transaction tx(a.db, a.where());
    audit_append(a.db, v.actor, "vault.passwd", "vault", a.where());
    // The key file is replaced before the commit: if writing it fails, the audit entry
    // rolls back with it.
    key_file_write(v.key_path, next);
    tx.commit();
    v.keys = std::move(next);
}

kdf_params vault_kdf(vault& v) {
    vault_access a(v);
    return v.keys.kdf;
}

std::string vault_debug_pragma(vault& v, const std::string& name) {
    vault_access a(v);
    return sql_value(a.db, ("PRAGMA " + name).c_str(), a.where());
}

}  // namespace clinote
