// One PostgreSQL connection (libpq, blocking) with owned handles, statements
// prepared once and cached, $N text parameters and nested transactions; the
// pgsql driver's stores are written on top of it and never touch libpq.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "result.hpp"

namespace jng::storage::pgsql {

struct ConnectionDeleter {
    void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
struct ConninfoDeleter {
    void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using ConnectionPtr = std::unique_ptr<PGconn, ConnectionDeleter>;
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;
using ConninfoPtr = std::unique_ptr<PQconninfoOption, ConninfoDeleter>;

// True for SQLSTATEs after which the connection cannot be trusted: the
// connection exceptions (class 08), the server shutting down or restarting
// (57P01..57P03), system errors (58) and internal errors (XX). A statement
// timeout, a constraint violation or a serialization failure is not among
// them: the connection stays usable.
bool is_fatal(std::string_view sqlstate);

// A parameter in text format, or NULL.
using Param = std::optional<std::string>;

inline Param to_param(std::string_view text) { return std::string(text); }
inline Param to_param(const std::string& text) { return text; }
inline Param to_param(const char* text) { return std::string(text); }
inline Param to_param(std::nullopt_t) { return std::nullopt; }
inline Param to_param(const Param& param) { return param; }
template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
Param to_param(T value) {
    return std::to_string(value);
}

class Rows;

// One row of a result, with checked access: a column of an unexpected type,
// or NULL where a value is due, is an error naming the column.
class Row {
public:
    bool is_null(int column) const;
    Result<int64_t> integer(int column) const;
    Result<std::string> text(int column) const;
    Result<std::optional<std::string>> optional_text(int column) const;

private:
    friend class Rows;
    Row(const PGresult* result, int row) : result_(result), row_(row) {}
    Error column_error(int column, std::string_view expected) const;

    const PGresult* result_;
    int row_;
};

// The whole result of a statement (libpq hands it over at once).
class Rows {
public:
    explicit Rows(ResultPtr result) : result_(std::move(result)) {}
    size_t size() const { return static_cast<size_t>(PQntuples(result_.get())); }
    bool empty() const { return size() == 0; }
    Row operator[](size_t row) const { return Row(result_.get(), static_cast<int>(row)); }
    // Rows inserted, updated or deleted by the statement.
    int64_t affected() const;

private:
    ResultPtr result_;
};

struct Settings {
    std::string conninfo;  // libpq's: "host=... dbname=... sslmode=...", or a URI
    // libpq's connect_timeout, unless the conninfo sets one.
    std::chrono::seconds connect_timeout{10};
    // The server cancels a statement running longer (0: never), so that a
    // stuck server or a lock held elsewhere cannot block a worker forever.
    std::chrono::milliseconds statement_timeout{30000};
};

class Connection {
public:
    static Result<std::unique_ptr<Connection>> open(const Settings& settings);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs `sql` as a statement prepared on this connection the first time
    // it is seen, with params bound to $1, $2, … in text format.
    Result<Rows> execute(std::string_view sql, const std::vector<Param>& params);

    template <class... Args>
    Result<Rows> query(std::string_view sql, const Args&... args) {
        return execute(sql, std::vector<Param>{to_param(args)...});
    }

    // Runs SQL without parameters, possibly several statements (migrations,
    // transaction control). Nothing is prepared or cached.
    Status exec(std::string_view sql);

    enum class Mode {
        kRead,   // REPEATABLE READ, READ ONLY: one snapshot for several reads
        kWrite,  // READ COMMITTED: rows written are locked until the end
    };
    // Runs `body` in a transaction, committed when it returns ok and rolled
    // back otherwise (or when it throws). Nested calls become savepoints, so
    // a store operation can run inside a caller's transaction. Success is
    // reported only once COMMIT has succeeded.
    Status transaction(Mode mode, const std::function<Status()>& body);

    // Holds a transaction-level advisory lock on (space, key) until the
    // enclosing transaction ends: writers of one owner's rows that must see
    // each other's work (a check, then a write) take it first.
    Status lock(int32_t space, std::string_view key);

    bool healthy() const;
    // The SQLSTATE of the last failure ("" when it had none).
    const std::string& last_sqlstate() const { return last_sqlstate_; }
    // The SQL of every statement prepared on this connection (for index checks).
    std::vector<std::string> prepared_sql() const;

private:
    explicit Connection(ConnectionPtr conn) : conn_(std::move(conn)) {}
    Status configure(const Settings& settings);
    // Turns a finished PGresult into rows, or into an error (remembering
    // errors that break the connection).
    Result<Rows> check(ResultPtr result, std::string_view what);
    Error error(std::string_view what, const PGresult* result);
    void rollback(int depth);

    ConnectionPtr conn_;
    std::unordered_map<std::string, std::string> prepared_;  // SQL → statement name
    int depth_ = 0;  // open transactions: 0 none, 1 BEGIN, >1 savepoints
    bool broken_ = false;
    std::string last_sqlstate_;
};

// The conninfo without secrets, for logs: host, port, dbname and user.
std::string describe(std::string_view conninfo);

}  // namespace jng::storage::pgsql
