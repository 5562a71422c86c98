// The PostgreSQL driver (libpq): for ISPs whose daemons share one database
// server. The schema is created and migrated by `jabberdctl db init|migrate`,
// not by the daemons (see storage/README.md, "PostgreSQL").
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "driver.hpp"
#include "pgsql/connection.hpp"
#include "schema.hpp"
#include "sql_driver.hpp"

namespace jng::storage::pgsql {

struct Options {
    Settings settings;
    // kDriverDefault is kRequire: the daemons refuse a database whose
    // schema is missing or not this build's, and say which command fixes it.
    SchemaPolicy schema = SchemaPolicy::kDriverDefault;
    // While the server cannot be reached, connect() refuses at once (an
    // error naming the last failure) for a delay that doubles from
    // retry_min after each failed attempt, up to retry_max: a server that is
    // down is not hammered by every worker and every operation.
    std::chrono::milliseconds retry_min{250};
    std::chrono::milliseconds retry_max{10000};
};

// A factory for connections to the server `options.settings.conninfo`
// names. Nothing is opened before the first connect().
Result<std::unique_ptr<DriverFactory>> make_factory(Options options);

class PgsqlDriver final : public SqlDriver {
public:
    explicit PgsqlDriver(std::unique_ptr<Connection> connection);

    std::string_view name() const override { return "pgsql"; }

    // For tests that inspect what the driver runs (index use).
    Connection& connection() { return connection_; }

private:
    Result<int> current_version() override;
    Status lock_schema() override;
    std::string describe_database() const override { return "the database"; }

    Connection& connection_;  // owned by SqlDriver
};

}  // namespace jng::storage::pgsql
