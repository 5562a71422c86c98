// One SQLite connection with owned handles, cached prepared statements,
// $N parameter binding and nested transactions: the SqlConnection the shared
// stores run on, so they never touch the C API themselves.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "result.hpp"
#include "sql.hpp"

namespace jng::storage::sqlite {

struct DatabaseDeleter {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementDeleter {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DatabasePtr = std::unique_ptr<sqlite3, DatabaseDeleter>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// True for result codes after which the connection cannot be trusted (a
// damaged file, an I/O failure): the driver then reports itself unhealthy and
// Storage reopens. Busy/locked and constraint errors are not among them.
bool is_fatal(int rc);

class Connection;

// One use of a prepared statement. The statement is reset when the Query is
// destroyed: one left half-stepped would pin its read snapshot and keep the
// WAL from being checkpointed.
class Query {
public:
    Query(Query&& other) noexcept;
    Query& operator=(Query&&) = delete;
    Query(const Query&) = delete;
    ~Query();

    // Parameter $n (1-based, as PostgreSQL spells them).
    Query& bind(int n, std::string_view text);
    Query& bind(int n, int64_t value);
    Query& bind_null(int n);

    // Steps once: true when a row is ready, false when the statement is done.
    Result<bool> next();
    // Steps to the end; for statements that return no rows.
    Status run();

    // Row access, checked: a column of the wrong type (a row damaged outside
    // the server) is an error naming the column.
    bool is_null(int column) const;
    Result<int64_t> integer(int column) const;
    Result<std::string> text(int column) const;
    Result<std::optional<std::string>> optional_text(int column) const;

    std::string_view sql() const;

private:
    friend class Connection;
    Query(Connection& connection, sqlite3_stmt* stmt, StatementPtr owned, bool* in_use);
    int index(int n);
    Error column_error(int column, std::string_view expected) const;

    Connection* connection_;
    sqlite3_stmt* stmt_;
    StatementPtr owned_;       // set when the cached statement was busy (nested use)
    bool* in_use_;             // the cache entry's flag, or null
    int bind_rc_ = SQLITE_OK;  // first binding failure, reported by next()
    int bind_param_ = 0;
};

class Connection final : public SqlConnection {
public:
    // Opens (creating the file and its directory when missing) with the
    // settings every process sharing the file relies on: WAL, foreign keys,
    // a busy timeout.
    static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                    std::chrono::milliseconds busy_timeout);
    ~Connection() override;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    const SqlDialect& dialect() const override;

    // A prepared statement, cached for the next call unless `cache` is false
    // (statements run once per connection: pragmas, schema bookkeeping).
    Result<Query> prepare(std::string_view sql, bool cache = true);

    // prepare(), bind, every row stepped through and copied out: the
    // statement is reset before the caller reads, so it pins no snapshot.
    Result<SqlRows> execute(std::string_view sql, std::span<const SqlParam> params) override;

    // Runs SQL without parameters, possibly several statements (migrations,
    // pragmas, transaction control).
    Status exec(std::string_view sql) override;

    // kRead is BEGIN (deferred): a consistent snapshot for several reads.
    // kWrite is BEGIN IMMEDIATE: it takes the write lock up front, so a
    // transaction never fails half-way on lock upgrade.
    Status transaction(Mode mode, const std::function<Status()>& body) override;

    // Nothing to take: BEGIN IMMEDIATE holds the file's one write lock.
    Status lock(int32_t space, std::string_view key) override;

    bool healthy() const override { return !broken_; }
    const std::string& path() const { return path_; }

    // An error for `rc` with the connection's message; remembers fatal codes.
    Error error(std::string_view what, int rc);
    // The (extended) code of the last error() on this connection.
    int last_error() const { return last_error_; }

    int64_t changes() const;
    // The SQL of every statement prepared on this connection (for index checks).
    std::vector<std::string> cached_sql() const;

private:
    Connection(DatabasePtr db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
    Status configure(std::chrono::milliseconds busy_timeout);
    Result<std::string> enable_wal();
    Result<Query> prepare_private(std::string_view sql);  // not cached, owned by the Query
    void rollback(int depth);

    struct Cached {
        StatementPtr stmt;
        bool in_use = false;
    };
    DatabasePtr db_;
    std::string path_;
    // Declared after db_: statements are finalized before the handle closes.
    std::unordered_map<std::string, std::unique_ptr<Cached>> cache_;
    int depth_ = 0;  // open transactions: 0 none, 1 BEGIN, >1 savepoints
    bool broken_ = false;
    int last_error_ = SQLITE_OK;
};

}  // namespace jng::storage::sqlite
