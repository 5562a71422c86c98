// The SQL connection the shared stores (stores/) are written against: both
// drivers implement it, so each store's logic and SQL exist once. Statements
// use PostgreSQL's $1, $2, … placeholders; SQLite binds them by name, so one
// text serves both. What really differs between the engines is said here,
// explicitly: the dialect's byte order for text sorts and the per-key lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "result.hpp"

namespace jng::storage {

// A statement parameter: NULL, a 64-bit integer or text. Text is a view: the
// value lives in the caller's expression for the whole of the call.
using SqlParam = std::variant<std::monostate, int64_t, std::string_view>;

inline SqlParam to_sql_param(std::string_view text) {
    return text;
}
inline SqlParam to_sql_param(const std::string& text) {
    return std::string_view(text);
}
inline SqlParam to_sql_param(const char* text) {
    return std::string_view(text);
}
inline SqlParam to_sql_param(std::nullopt_t) {
    return std::monostate();
}
inline SqlParam to_sql_param(const std::optional<std::string>& text) {
    if (!text) return std::monostate();
    return std::string_view(*text);
}
inline SqlParam to_sql_param(const SqlParam& param) {
    return param;
}
// Integers only: a bool would silently become 0/1 where a flag column's
// conversion (int64_t{flag}) should say so.
template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
SqlParam to_sql_param(T value) {
    return static_cast<int64_t>(value);
}

// Every row of one statement, fetched before the statement is given back
// (SQLite's cached statement is reset, libpq hands its result over whole).
// Each driver checks types its own way and words its own errors: a column
// of an unexpected type, or NULL where a value is due, is an error naming it.
class SqlResult {
public:
    virtual ~SqlResult() = default;
    virtual size_t size() const = 0;
    // Rows inserted, updated or deleted by the statement.
    virtual int64_t affected() const = 0;
    virtual bool is_null(size_t row, int column) const = 0;
    virtual Result<int64_t> integer(size_t row, int column) const = 0;
    virtual Result<std::string> text(size_t row, int column) const = 0;
};

// One row of an SqlRows; valid while the SqlRows is.
class SqlRow {
public:
    SqlRow(const SqlResult& result, size_t row) : result_(&result), row_(row) {}
    bool is_null(int column) const { return result_->is_null(row_, column); }
    Result<int64_t> integer(int column) const { return result_->integer(row_, column); }
    Result<std::string> text(int column) const { return result_->text(row_, column); }
    // NULL as nothing, text as text, anything else an error.
    Result<std::optional<std::string>> optional_text(int column) const {
        if (is_null(column)) return std::optional<std::string>();
        auto t = text(column);
        if (!t) return t.error();
        return std::optional<std::string>(std::move(*t));
    }

private:
    const SqlResult* result_;
    size_t row_;
};

class SqlRows {
public:
    explicit SqlRows(std::unique_ptr<SqlResult> result) : result_(std::move(result)) {}
    size_t size() const { return result_->size(); }
    bool empty() const { return size() == 0; }
    SqlRow operator[](size_t row) const { return SqlRow(*result_, row); }
    int64_t affected() const { return result_->affected(); }

private:
    std::unique_ptr<SqlResult> result_;
};

// The spellings that differ between the engines.
struct SqlDialect {
    std::string_view name;  // "sqlite", "pgsql": the prefix of the driver's messages
    // Appended to an ORDER BY term on text so that both engines sort by
    // bytes: SQLite's default, while PostgreSQL would follow the database's
    // locale. Empty for SQLite, where a collation would also keep the
    // primary key's index from giving the order.
    std::string_view byte_order;
};

// The advisory lock spaces (PostgreSQL's pg_advisory_xact_lock first key)
// of SqlConnection::lock; the second key is a hash of the schema or owner.
inline constexpr int32_t kMigrationLock = 0x6a6e6701;  // "jng" 1
inline constexpr int32_t kPrivacyLock = 0x6a6e6702;    // "jng" 2

// One database connection, used by one thread at a time.
class SqlConnection {
public:
    virtual ~SqlConnection() = default;

    virtual const SqlDialect& dialect() const = 0;

    // Runs `sql` (prepared once per connection and cached) with params bound
    // to $1, $2, … in order, and fetches every row.
    virtual Result<SqlRows> execute(std::string_view sql, std::span<const SqlParam> params) = 0;

    template <class... Args>
    Result<SqlRows> query(std::string_view sql, const Args&... args) {
        const std::array<SqlParam, sizeof...(Args)> params{to_sql_param(args)...};
        return execute(sql, params);
    }

    // Runs SQL without parameters, possibly several statements (migrations,
    // transaction control). Nothing is cached.
    virtual Status exec(std::string_view sql) = 0;

    enum class Mode {
        kRead,   // one snapshot for several reads
        kWrite,  // rows written (SQLite: the whole file) locked until the end
    };
    // Runs `body` in a transaction, committed when it returns ok and rolled
    // back otherwise (or when it throws). Nested calls become savepoints, so
    // a store operation can run inside a caller's transaction.
    virtual Status transaction(Mode mode, const std::function<Status()>& body) = 0;

    // Inside a write transaction, waits for and holds a lock on (space, key)
    // until the transaction ends: writers that must see each other's work (a
    // check, then a write) take it first. SQLite's write transaction holds
    // the whole file already, so there it does nothing.
    virtual Status lock(int32_t space, std::string_view key) = 0;

    // False once the connection is known to be broken.
    virtual bool healthy() const = 0;
};

// Concatenates SQL fragments, for statements built once from a dialect.
inline std::string sql_text(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (std::string_view p : parts) out += p;
    return out;
}

}  // namespace jng::storage
