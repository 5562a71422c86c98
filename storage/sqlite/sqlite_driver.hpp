// The SQLite driver: the embedded default, one database file under var/
// shared by every daemon on the host, created and migrated on first use.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "driver.hpp"
#include "schema.hpp"
#include "sql_driver.hpp"
#include "sqlite/connection.hpp"

namespace jng::storage::sqlite {

struct Options {
    // How long a statement waits for another process's write lock before it
    // fails as busy.
    std::chrono::milliseconds busy_timeout{5000};
    // kDriverDefault is kMigrate: a fresh install works with no manual step.
    SchemaPolicy schema = SchemaPolicy::kDriverDefault;
};

// A factory for connections to the database at `path`. Nothing is opened
// yet: the first connect() creates the file (and its directory) and, unless
// the options say otherwise, applies the migrations.
Result<std::unique_ptr<DriverFactory>> make_factory(std::string path, Options options = {});

class SqliteDriver final : public SqlDriver {
public:
    explicit SqliteDriver(std::unique_ptr<Connection> connection);

    std::string_view name() const override { return "sqlite"; }

    // For tests that inspect what the driver runs (index use).
    Connection& connection() { return connection_; }

private:
    Result<int> current_version() override;
    Status lock_schema() override;
    std::string describe_database() const override { return connection_.path(); }

    Connection& connection_;  // owned by SqlDriver
};

}  // namespace jng::storage::sqlite
