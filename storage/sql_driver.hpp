// What the SQL drivers share: the stores over one SqlConnection, write
// transactions, account removal and the migration steps. A driver adds how
// it connects, how it reads the schema version and how migrating processes
// take turns.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "driver.hpp"
#include "schema.hpp"
#include "sql.hpp"
#include "stores/stores.hpp"

namespace jng::storage {

class SqlDriver : public Driver {
public:
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

protected:
    // `placeholders`: the driver's spellings of the portable migrations'
    // placeholders (migrations/README), kept for the driver's lifetime.
    SqlDriver(std::unique_ptr<SqlConnection> connection, std::span<const Placeholder> placeholders);

    SqlConnection& db() { return *db_; }

    // The highest migration recorded in the database, 0 when there is none;
    // called inside a transaction.
    virtual Result<int> current_version() = 0;
    // Called first in each migration's transaction: makes processes that
    // migrate at the same moment take turns.
    virtual Status lock_schema() = 0;
    // How messages name the database ("/var/lib/jabberd-ng/jabberd-ng.db",
    // "the database").
    virtual std::string describe_database() const = 0;

private:
    Status apply(const Migration& migration);

    // Declared first: the stores hold a reference to it.
    std::unique_ptr<SqlConnection> db_;
    std::span<const Placeholder> placeholders_;
    stores::Authreg authreg_;
    stores::Roster roster_;
    stores::Queue queue_;
    stores::Privacy privacy_;
    stores::Vcard vcard_;
    stores::Private private_;
    stores::Last last_;
    stores::Active active_;
    stores::Announce announce_;
    stores::VacationSettings vacation_;
    stores::DiscoItems disco_items_;
    stores::MucRooms muc_;
};

}  // namespace jng::storage
