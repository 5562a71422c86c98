// The SQLite driver and its factory: opening the file, migrating it on
// first use, and reading its schema version.
#include "sqlite/sqlite_driver.hpp"

#include <array>
#include <mutex>

#include "rows.hpp"

namespace jng::storage::sqlite {
namespace {

// SQLite's spellings of the portable migrations' placeholders.
constexpr std::array<Placeholder, 1> kPlaceholders = {{
    // AUTOINCREMENT: a sequence number is never handed out twice, even after
    // the newest row is deleted.
    {"SERIAL", "INTEGER PRIMARY KEY AUTOINCREMENT"},
}};

class Factory final : public DriverFactory {
public:
    Factory(std::string path, Options options) : path_(std::move(path)), options_(options) {}

    Result<std::unique_ptr<Driver>> connect() override {
        auto connection = Connection::open(path_, options_.busy_timeout);
        if (!connection) return connection.error();
        auto driver = std::make_unique<SqliteDriver>(std::move(*connection));
        switch (options_.schema) {
            case SchemaPolicy::kAsIs:
                break;
            case SchemaPolicy::kDriverDefault:
            case SchemaPolicy::kMigrate: {
                // A fresh install works with no manual step: the first
                // connection of the process brings the schema up to date.
                // Other processes may be doing the same; migrate() serializes
                // on the write lock.
                std::lock_guard lock(mutex_);
                if (!migrated_) {
                    if (auto s = driver->migrate(); !s) return s.error();
                    migrated_ = true;
                }
                break;
            }
            case SchemaPolicy::kRequire: {
                auto status = driver->schema_status();
                if (!status) return status.error();
                if (status->current != status->latest)
                    return fail("sqlite: " + path_ + " has schema version " +
                                std::to_string(status->current) + ", this build needs " +
                                std::to_string(status->latest) +
                                " (`jabberdctl -c CONFIG db migrate` brings it up to date)");
                break;
            }
        }
        return std::unique_ptr<Driver>(std::move(driver));
    }

    std::string describe() const override { return "sqlite " + path_; }

private:
    const std::string path_;
    const Options options_;
    std::mutex mutex_;  // connect() is called from every worker thread
    bool migrated_ = false;
};

}  // namespace

Result<std::unique_ptr<DriverFactory>> make_factory(std::string path, Options options) {
    if (path.empty()) return fail("sqlite: no database path configured");
    if (options.busy_timeout.count() < 0) return fail("sqlite: negative busy timeout");
    return std::unique_ptr<DriverFactory>(std::make_unique<Factory>(std::move(path), options));
}

SqliteDriver::SqliteDriver(std::unique_ptr<Connection> connection)
    : SqlDriver(std::move(connection), kPlaceholders),
      connection_(static_cast<Connection&>(db())) {}

Result<int> SqliteDriver::current_version() {
    // Schema bookkeeping runs once per process: not worth a cache slot.
    auto exists = connection_.prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1", false);
    if (!exists) return exists.error();
    exists->bind(1, kSchemaTable);
    auto row = exists->next();
    if (!row) return row.error();
    if (!*row) return 0;

    auto q = connection_.prepare(R"(SELECT MAX("version") FROM "jng-schema")", false);
    if (!q) return q.error();
    auto max = q->next();
    if (!max) return max.error();
    if (q->is_null(0)) return 0;  // an empty table
    auto version = q->integer(0);
    if (!version) return version.error();
    if (*version < 0 || *version > 1'000'000)
        return corrupt(kSchemaTable, "version " + std::to_string(*version));
    return static_cast<int>(*version);
}

Status SqliteDriver::lock_schema() {
    // Nothing more to take: the migration's BEGIN IMMEDIATE holds the
    // file's write lock, so a second process waits for the first.
    return {};
}

}  // namespace jng::storage::sqlite
