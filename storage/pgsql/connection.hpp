// One PostgreSQL connection (libpq, blocking) with owned handles, statements
// prepared once and cached, $N text parameters and nested transactions: the
// SqlConnection the shared stores run on, so they never touch libpq.
#pragma once

#include <libpq-fe.h>

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

struct Settings {
    std::string conninfo;  // libpq's: "host=... dbname=... sslmode=...", or a URI
    // libpq's connect_timeout, unless the conninfo sets one.
    std::chrono::seconds connect_timeout{10};
    // The server cancels a statement running longer (0: never), so that a
    // stuck server or a lock held elsewhere cannot block a worker forever.
    std::chrono::milliseconds statement_timeout{30000};
};

class Connection final : public SqlConnection {
public:
    static Result<std::unique_ptr<Connection>> open(const Settings& settings);
    ~Connection() override;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    const SqlDialect& dialect() const override;

    // Runs `sql` as a statement prepared on this connection the first time
    // it is seen, with params bound to $1, $2, … in text format.
    Result<SqlRows> execute(std::string_view sql, std::span<const SqlParam> params) override;

    // Runs SQL without parameters, possibly several statements (migrations,
    // transaction control). Nothing is prepared or cached.
    Status exec(std::string_view sql) override;

    // kRead is REPEATABLE READ, READ ONLY: one snapshot for several reads.
    // kWrite is READ COMMITTED: rows written are locked until the end.
    // Success is reported only once COMMIT has succeeded.
    Status transaction(Mode mode, const std::function<Status()>& body) override;

    // A transaction-level advisory lock on (space, hashtext(key)).
    Status lock(int32_t space, std::string_view key) override;

    bool healthy() const override;
    // The SQLSTATE of the last failure ("" when it had none).
    const std::string& last_sqlstate() const { return last_sqlstate_; }
    // The SQL of every statement prepared on this connection (for index checks).
    std::vector<std::string> prepared_sql() const;

private:
    explicit Connection(ConnectionPtr conn) : conn_(std::move(conn)) {}
    Status configure(const Settings& settings);
    // Turns a finished PGresult into rows, or into an error (remembering
    // errors that break the connection).
    Result<SqlRows> check(ResultPtr result, std::string_view what);
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
