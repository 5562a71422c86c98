// The pgsql driver and its factory: connecting with backoff, the schema
// check the daemons rely on, the schema version and the migrations' lock.
#include "pgsql/pgsql_driver.hpp"

#include <array>
#include <mutex>

#include "rows.hpp"

namespace jng::storage::pgsql {
namespace {

// PostgreSQL's spellings of the portable migrations' placeholders.
constexpr std::array<Placeholder, 1> kPlaceholders = {{
    // A sequence never hands out a number twice, even after the newest row
    // is deleted or an insert is rolled back.
    {"SERIAL", "BIGSERIAL PRIMARY KEY"},
}};

// Why a daemon cannot use a database at `status`, and the command that
// fixes it; empty when it can.
std::string schema_problem(const SchemaStatus& status) {
    if (status.current == status.latest) return {};
    if (status.current == 0)
        return "the database has no jabberd-ng schema yet; create it with "
               "`jabberdctl -c CONFIG db init`";
    if (status.current < status.latest)
        return "the database has schema version " + std::to_string(status.current) +
               ", this build needs " + std::to_string(status.latest) +
               "; bring it up to date with `jabberdctl -c CONFIG db migrate`";
    return "the database has schema version " + std::to_string(status.current) +
           ", newer than this build's " + std::to_string(status.latest) +
           "; refusing to write to a schema this build does not know";
}

class Factory final : public DriverFactory {
public:
    explicit Factory(Options options)
        : options_(std::move(options)), description_("pgsql " + pgsql::describe(options_.settings.conninfo)) {}

    Result<std::unique_ptr<Driver>> connect() override {
        using Clock = std::chrono::steady_clock;
        {
            std::lock_guard lock(mutex_);
            auto now = Clock::now();
            if (now < retry_at_) {
                auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now);
                return fail("pgsql: not retrying for another " + std::to_string(wait.count()) +
                            " ms after: " + last_error_);
            }
        }
        auto driver = attempt();
        std::lock_guard lock(mutex_);
        if (!driver) {
            delay_ = delay_.count() == 0 ? options_.retry_min
                                         : std::min(delay_ * 2, options_.retry_max);
            retry_at_ = Clock::now() + delay_;
            last_error_ = driver.message();
            return driver.error();
        }
        delay_ = std::chrono::milliseconds(0);
        retry_at_ = {};
        return driver;
    }

    std::string describe() const override { return description_; }

private:
    Result<std::unique_ptr<Driver>> attempt() {
        auto connection = Connection::open(options_.settings);
        if (!connection) return connection.error();
        auto driver = std::make_unique<PgsqlDriver>(std::move(*connection));
        switch (options_.schema) {
            case SchemaPolicy::kAsIs:
                break;
            case SchemaPolicy::kMigrate: {
                std::lock_guard lock(migrate_mutex_);
                if (!migrated_) {
                    if (auto s = driver->migrate(); !s) return s.error();
                    migrated_ = true;
                }
                break;
            }
            case SchemaPolicy::kDriverDefault:
            case SchemaPolicy::kRequire: {
                // Checked on every connection: a database migrated by a newer
                // build while we ran is refused from the next reconnect on.
                auto status = driver->schema_status();
                if (!status) return status.error();
                if (auto problem = schema_problem(*status); !problem.empty())
                    return fail("pgsql: " + problem);
                break;
            }
        }
        return std::unique_ptr<Driver>(std::move(driver));
    }

    const Options options_;
    const std::string description_;
    std::mutex mutex_;  // connect() is called from every worker thread
    std::chrono::steady_clock::time_point retry_at_;
    std::chrono::milliseconds delay_{0};
    std::string last_error_;
    std::mutex migrate_mutex_;
    bool migrated_ = false;
};

}  // namespace

Result<std::unique_ptr<DriverFactory>> make_factory(Options options) {
    if (options.settings.conninfo.empty()) return fail("pgsql: no conninfo configured");
    char* err = nullptr;
    ConninfoPtr parsed(PQconninfoParse(options.settings.conninfo.c_str(), &err));
    if (!parsed) {
        std::string why = err ? err : "out of memory";
        if (err) PQfreemem(err);
        while (!why.empty() && why.back() == '\n') why.pop_back();
        return fail("pgsql: bad conninfo: " + why);
    }
    if (options.settings.connect_timeout.count() < 0 ||
        options.settings.statement_timeout.count() < 0)
        return fail("pgsql: negative timeout");
    if (options.retry_min.count() <= 0 || options.retry_max < options.retry_min)
        return fail("pgsql: the reconnection delays must be positive, the longest at least the shortest");
    return std::unique_ptr<DriverFactory>(std::make_unique<Factory>(std::move(options)));
}

PgsqlDriver::PgsqlDriver(std::unique_ptr<Connection> connection)
    : SqlDriver(std::move(connection), kPlaceholders),
      connection_(static_cast<Connection&>(db())) {}

Result<int> PgsqlDriver::current_version() {
    // The table is looked up on the search_path, like every other name here:
    // the schema the administrator chose in the conninfo's options.
    auto exists = connection_.query(R"(SELECT (to_regclass('"jng-schema"') IS NOT NULL)::integer)");
    if (!exists) return exists.error();
    if (exists->empty()) return fail("pgsql: to_regclass returned no row");
    auto found = (*exists)[0].integer(0);
    if (!found) return found.error();
    if (*found == 0) return 0;

    auto max = connection_.query(R"(SELECT MAX("version")::bigint FROM "jng-schema")");
    if (!max) return max.error();
    if (max->empty() || (*max)[0].is_null(0)) return 0;  // an empty table
    auto version = (*max)[0].integer(0);
    if (!version) return version.error();
    if (*version < 0 || *version > 1'000'000)
        return corrupt(kSchemaTable, "version " + std::to_string(*version));
    return static_cast<int>(*version);
}

Status PgsqlDriver::lock_schema() {
    // An advisory lock per schema: two processes migrating at once take
    // turns, and the second finds the work done when it reads the version
    // again. CREATE TABLE IF NOT EXISTS is not safe against a concurrent
    // twin by itself; under the lock it is.
    auto locked = connection_.query(
        "SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))",
        int64_t{kMigrationLock});
    if (!locked) return locked.error();
    return {};
}

}  // namespace jng::storage::pgsql
