#include "store/sql.h"

#include <sqlite3.h>

#include "core/error.h"

namespace clinote {

void sql_fail(sqlite3* db, const std::string& where) { fail(where, sqlite3_errmsg(db)); }

sql_stmt::sql_stmt(sqlite3* db_, const char* sql, const std::string& where_) : db(db_), where(where_) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) sql_fail(db, where);
}

sql_stmt::~sql_stmt() { sqlite3_finalize(stmt); }

sql_stmt& sql_stmt::bind(int i, int64_t v) {
    if (sqlite3_bind_int64(stmt, i, v) != SQLITE_OK) sql_fail(db, where);
    return *this;
}

sql_stmt& sql_stmt::bind(int i, std::string_view v) {
    if (sqlite3_bind_text(stmt, i, v.data(), int(v.size()), SQLITE_TRANSIENT) != SQLITE_OK) sql_fail(db, where);
    return *this;
}

sql_stmt& sql_stmt::bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }

sql_stmt& sql_stmt::bind_blob(int i, const void* data, size_t n) {
    // A zero-length blob must still be a blob, not NULL.
    static const char empty = 0;
    if (sqlite3_bind_blob64(stmt, i, n ? data : &empty, n, SQLITE_TRANSIENT) != SQLITE_OK) sql_fail(db, where);
    return *this;
}

sql_stmt& sql_stmt::bind_null(int i) {
    if (sqlite3_bind_null(stmt, i) != SQLITE_OK) sql_fail(db, where);
    return *this;
}

bool sql_stmt::step() {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sql_fail(db, where);
}

void sql_stmt::run() {
    while (step()) {
    }
}

int64_t sql_stmt::col_int(int i) const { return sqlite3_column_int64(stmt, i); }

bool sql_stmt::col_is_null(int i) const { return sqlite3_column_type(stmt, i) == SQLITE_NULL; }

std::string sql_stmt::col_text(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
    return p ? std::string(p, size_t(sqlite3_column_bytes(stmt, i))) : std::string();
}

std::vector<unsigned char> sql_stmt::col_blob(int i) const {
    const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, i));
    return p ? std::vector<unsigned char>(p, p + sqlite3_column_bytes(stmt, i)) : std::vector<unsigned char>();
}

void sql_exec(sqlite3* db, const char* sql, const std::string& where) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        const std::string text = msg ? msg : sqlite3_errmsg(db);
        sqlite3_free(msg);
        fail(where, text);
    }
}

std::string sql_value(sqlite3* db, const char* sql, const std::string& where) {
    sql_stmt s(db, sql, where);
    return s.step() ? s.col_text(0) : std::string();
}

sql_transaction::sql_transaction(sqlite3* db_, const std::string& where_) : db(db_), where(where_) {
    sql_exec(db, "BEGIN IMMEDIATE", where);
}

sql_transaction::~sql_transaction() {
    if (!done) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
}

void sql_transaction::commit() {
    sql_exec(db, "COMMIT", where);
    done = true;
}

}  // namespace clinote
