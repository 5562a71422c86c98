// The SQLite driver: the embedded default, one database file under var/
// shared by every daemon on the host, created and migrated on first use.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "driver.hpp"
#include "schema.hpp"
#include "sqlite/connection.hpp"
#include "sqlite/stores.hpp"

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

class SqliteDriver final : public Driver {
public:
    explicit SqliteDriver(std::unique_ptr<Connection> connection);

    std::string_view name() const override { return "sqlite"; }
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

}  // namespace jng::storage::sqlite
