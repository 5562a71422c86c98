// The SQLite driver and its factory: opening, schema migrations, transactions
// and account removal across every owner-keyed table.
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
    : db_(std::move(connection)),
      authreg_(*db_),
      roster_(*db_),
      queue_(*db_),
      privacy_(*db_),
      vcard_(*db_),
      private_(*db_),
      last_(*db_),
      active_(*db_),
      announce_(*db_),
      vacation_(*db_),
      disco_items_(*db_),
      muc_(*db_) {}

Status SqliteDriver::transaction(const std::function<Status()>& body) {
    return db_->transaction(Connection::Mode::kWrite, body);
}

Status SqliteDriver::remove_user(std::string_view username, std::string_view realm) {
    if (auto s = check_key("username", username); !s) return s;
    if (auto s = check_key("realm", realm); !s) return s;
    // Built once from the shared list (the domain-keyed tables are not in
    // it); table names are constants, the owner is a bound parameter.
    static const auto kDeletes = [] {
        std::array<std::string, kOwnerKeyedTables.size()> sql;
        for (size_t i = 0; i < kOwnerKeyedTables.size(); ++i)
            sql[i] = "DELETE FROM \"" + std::string(kOwnerKeyedTables[i]) +
                     "\" WHERE \"collection-owner\" = $1";
        return sql;
    }();
    const std::string owner = owner_of(username, realm);
    return db_->transaction(Connection::Mode::kWrite, [&]() -> Status {
        for (const auto& sql : kDeletes) {
            auto q = db_->query(sql, owner);
            if (!q) return q.error();
            if (auto s = q->run(); !s) return s;
        }
        auto q = db_->query(R"(DELETE FROM "authreg" WHERE "username" = $1 AND "realm" = $2)",
                            username, realm);
        if (!q) return q.error();
        return q->run();
    });
}

Result<int> SqliteDriver::current_version() {
    // Schema bookkeeping runs once per process: not worth a cache slot.
    auto exists =
        db_->prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1", false);
    if (!exists) return exists.error();
    exists->bind(1, kSchemaTable);
    auto row = exists->next();
    if (!row) return row.error();
    if (!*row) return 0;

    auto q = db_->prepare(R"(SELECT MAX("version") FROM "jng-schema")", false);
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

Result<SchemaStatus> SqliteDriver::schema_status() {
    SchemaStatus status;
    status.latest = latest_version();
    Status s = db_->transaction(Connection::Mode::kRead, [&]() -> Status {
        auto current = current_version();
        if (!current) return current.error();
        status.current = *current;
        return {};
    });
    if (!s) return s.error();
    return status;
}

Status SqliteDriver::apply(const Migration& m) {
    // One transaction per migration, under the write lock; the version is
    // read again inside it, since another process may have applied this
    // migration while we waited for the lock.
    return db_->transaction(Connection::Mode::kWrite, [&]() -> Status {
        if (auto s = db_->exec(kCreateSchemaTable); !s) return s;
        auto current = current_version();
        if (!current) return current.error();
        if (*current >= m.version) return {};
        if (*current != m.version - 1)
            return fail("sqlite: schema at version " + std::to_string(*current) +
                        ", cannot apply migration " + std::to_string(m.version));
        auto sql = render(m.sql, kPlaceholders);
        if (!sql) return sql.error();
        if (auto s = db_->exec(*sql); !s)
            return fail("migration " + std::to_string(m.version) + " (" + std::string(m.name) +
                        ") failed: " + s.message());
        auto q = db_->prepare(R"(INSERT INTO "jng-schema" ("version", "name", "applied"))"
                              R"( VALUES ($1, $2, $3))",
                              false);
        if (!q) return q.error();
        return q->bind(1, int64_t{m.version}).bind(2, m.name).bind(3, unix_now()).run();
    });
}

Status SqliteDriver::migrate() {
    auto status = schema_status();
    if (!status) return status.error();
    // A newer build has migrated this file: an older one must not write to a
    // schema it does not know.
    if (status->current > status->latest)
        return fail("sqlite: " + db_->path() + " has schema version " +
                    std::to_string(status->current) + ", newer than this build's " +
                    std::to_string(status->latest));
    for (const auto& m : migrations()) {
        if (m.version <= status->current) continue;
        if (auto s = apply(m); !s) return s;
    }
    return {};
}

}  // namespace jng::storage::sqlite
