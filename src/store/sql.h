// A thin RAII layer over the SQLCipher C API: statements are finalised on scope exit,
// transactions roll back unless committed, and every failure becomes a clinote::error
// naming the database file.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace clinote {

struct sql_stmt {
    sqlite3* db = nullptr;
    sqlite3_stmt* stmt = nullptr;
    std::string where;

    sql_stmt(sqlite3* db, const char* sql, const std::string& where);
    ~sql_stmt();
    sql_stmt(const sql_stmt&) = delete;
    sql_stmt& operator=(const sql_stmt&) = delete;

    // Parameters are 1-based, as in SQLite.
    sql_stmt& bind(int i, int64_t v);
    sql_stmt& bind(int i, const std::string& v);
    sql_stmt& bind(int i, std::string_view v);
    sql_stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    sql_stmt& bind_blob(int i, const void* data, size_t n);
    sql_stmt& bind_null(int i);
    sql_stmt& bind(int i, const std::optional<int64_t>& v) { return v ? bind(i, *v) : bind_null(i); }

    // True while there is a row; false once done.
    bool step();
    // Runs a statement that returns no rows.
    void run();

    int64_t col_int(int i) const;
    bool col_is_null(int i) const;
    std::string col_text(int i) const;
    std::vector<unsigned char> col_blob(int i) const;
};

// Executes statements that need no parameters.
void sql_exec(sqlite3* db, const char* sql, const std::string& where);
// The first column of the first row as text ("" when there is no row).
std::string sql_value(sqlite3* db, const char* sql, const std::string& where);
// "<where>: <sqlite message>" as a clinote::error.
[[noreturn]] void sql_fail(sqlite3* db, const std::string& where);

// BEGIN IMMEDIATE; rolls back in the destructor unless commit() ran.
struct sql_transaction {
    sqlite3* db;
    std::string where;
    bool done = false;
    sql_transaction(sqlite3* db, const std::string& where);
    ~sql_transaction();
    void commit();
};

}  // namespace clinote
