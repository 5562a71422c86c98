// The PostgreSQL driver (libpq): for ISPs whose daemons share one database
// server. The schema is created and migrated by `jabberdctl db init|migrate`,
// not by the daemons (see storage/README.md, "PostgreSQL").
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "driver.hpp"
#include "pgsql/connection.hpp"
#include "pgsql/stores.hpp"
#include "schema.hpp"

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

// The advisory lock spaces (pg_advisory_xact_lock's first key) the driver
// uses; the second key is a hash of the schema or the owner.
inline constexpr int32_t kMigrationLock = 0x6a6e6701;  // "jng" 1
inline constexpr int32_t kPrivacyLock = 0x6a6e6702;    // "jng" 2

class PgsqlDriver final : public Driver {
public:
    explicit PgsqlDriver(std::unique_ptr<Connection> connection);

    std::string_view name() const override { return "pgsql"; }
    AuthregStore& authreg() override { return authreg_; }
    RosterStore& roster() override { return roster_; }
    QueueStore& queue() override { return queue_; }
    PrivacyStore& privacy() override { return privacy_; }
    VcardStore& vcard() override { return vcard_; }
    PrivateStore& private_xml() override { return private_; }
    LastStore& last() override { return last_; }
    ActiveStore& active() override { return active_; }
    AnnounceStore& announce() override { return announce_; }
    VacationStore& vacation() override { return vacation_; }
    DiscoItemsStore& disco_items() override { return disco_items_; }
    Result<MucStore*> muc() override { return &muc_; }
    Status transaction(const std::function<Status()>& body) override;
    Status remove_user(std::string_view username, std::string_view realm) override;
    Result<SchemaStatus> schema_status() override;
    Status migrate() override;
    bool healthy() const override { return db_->healthy(); }

    // For tests that inspect what the driver runs (index use).
    Connection& connection() { return *db_; }

private:
    Result<int> current_version();
    Status apply(const Migration& migration);

    std::unique_ptr<Connection> db_;
    Authreg authreg_;
    Roster roster_;
    Queue queue_;
    Privacy privacy_;
    Vcard vcard_;
    Private private_;
    Last last_;
    Active active_;
    Announce announce_;
    VacationSettings vacation_;
    DiscoItems disco_items_;
    MucRooms muc_;
};

}  // namespace jng::storage::pgsql
