// The synchronous storage interface a driver implements: one Driver is one
// database connection, used by one thread at a time. Protocol code never
// calls it directly; it goes through Storage (storage.hpp), which runs these
// calls off the event loop.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"
#include "types.hpp"

namespace jng::storage {

class AuthregStore {
public:
    virtual ~AuthregStore() = default;
    virtual Result<std::optional<AuthRecord>> get(std::string_view username,
                                                  std::string_view realm) = 0;
    // false when the account exists already (nothing is changed then).
    virtual Result<bool> create(const AuthRecord& record) = 0;
    // false when there is no such account.
    virtual Result<bool> set_credentials(const AuthRecord& record) = 0;
    virtual Result<std::vector<std::string>> list(std::string_view realm) = 0;
};

class RosterStore {
public:
    virtual ~RosterStore() = default;
    // Every item of `owner` (a bare JID), hidden ones included, with groups.
    virtual Result<std::vector<RosterItem>> items(std::string_view owner) = 0;
    virtual Result<std::optional<RosterItem>> get(std::string_view owner,
                                                  std::string_view contact) = 0;
    // Inserts or replaces the item and its groups, atomically.
    virtual Status put(std::string_view owner, const RosterItem& item) = 0;
    virtual Result<bool> remove(std::string_view owner, std::string_view contact) = 0;
};

class QueueStore {
public:
    virtual ~QueueStore() = default;
    virtual Result<int64_t> push(std::string_view owner, std::string_view xml) = 0;
    virtual Result<std::vector<QueuedStanza>> items(std::string_view owner) = 0;
    // Removes the owner's stanzas with seq <= upto (those delivered).
    virtual Status remove_upto(std::string_view owner, int64_t upto) = 0;
    virtual Result<int64_t> count(std::string_view owner) = 0;
};

// XEP-0016 privacy lists and the user's default list. The sm module keeps
// the session-level rules (active lists, conflicts); this store keeps the
// lists consistent with each other.
class PrivacyStore {
public:
    virtual ~PrivacyStore() = default;
    // Every list of `owner`, by name, each with its items by order.
    virtual Result<std::vector<PrivacyList>> lists(std::string_view owner) = 0;
    virtual Result<std::optional<PrivacyList>> list(std::string_view owner,
                                                    std::string_view name) = 0;
    // Creates the list, or replaces all its items, atomically.
    virtual Status put(std::string_view owner, const PrivacyList& list) = 0;
    // false when there is no such list. A default naming it is cleared too.
    virtual Result<bool> remove(std::string_view owner, std::string_view name) = 0;
    virtual Result<std::optional<std::string>> default_list(std::string_view owner) = 0;
    // Sets the default to an existing list (an error otherwise), or clears it.
    virtual Status set_default(std::string_view owner, std::optional<std::string> name) = 0;
};

// XEP-0054 vCards, as the serialized <vCard/> element.
class VcardStore {
public:
    virtual ~VcardStore() = default;
    virtual Result<std::optional<std::string>> get(std::string_view owner) = 0;
    virtual Status put(std::string_view owner, std::string_view xml) = 0;
    virtual Result<bool> remove(std::string_view owner) = 0;
};

// XEP-0049 private XML storage: one element per (owner, namespace). The
// namespace is chosen by the client.
class PrivateStore {
public:
    virtual ~PrivateStore() = default;
    virtual Result<std::optional<std::string>> get(std::string_view owner, std::string_view ns) = 0;
    virtual Status put(std::string_view owner, std::string_view ns, std::string_view xml) = 0;
};

// XEP-0012 last activity: the end of the user's last session.
class LastStore {
public:
    virtual ~LastStore() = default;
    virtual Result<std::optional<LastLogout>> get(std::string_view owner) = 0;
    virtual Status set(std::string_view owner, const LastLogout& logout) = 0;
};

// The time of the user's first activity (first session).
class ActiveStore {
public:
    virtual ~ActiveStore() = default;
    virtual Result<std::optional<int64_t>> get(std::string_view owner) = 0;
    // Records `time` unless a time is recorded already; true when it was.
    virtual Result<bool> set_if_absent(std::string_view owner, int64_t time) = 0;
};

// Announcements: the message of the day of each domain, and when each user
// last received one.
class AnnounceStore {
public:
    virtual ~AnnounceStore() = default;
    virtual Result<std::optional<Motd>> motd(std::string_view domain) = 0;
    virtual Status set_motd(std::string_view domain, const Motd& motd) = 0;
    virtual Result<bool> remove_motd(std::string_view domain) = 0;
    virtual Result<std::optional<int64_t>> last_seen(std::string_view owner) = 0;
    virtual Status set_last_seen(std::string_view owner, int64_t time) = 0;
};

// Vacation auto-replies, one setting per user.
class VacationStore {
public:
    virtual ~VacationStore() = default;
    virtual Result<std::optional<Vacation>> get(std::string_view owner) = 0;
    virtual Status set(std::string_view owner, const Vacation& vacation) = 0;
    virtual Result<bool> remove(std::string_view owner) = 0;
};

// The items a domain lists in disco#items besides its components, keyed by
// (jid, node).
class DiscoItemsStore {
public:
    virtual ~DiscoItemsStore() = default;
    // By jid, then node.
    virtual Result<std::vector<DiscoItem>> items(std::string_view domain) = 0;
    // Inserts the item or replaces the name of the one with its jid and node.
    virtual Status put(std::string_view domain, const DiscoItem& item) = 0;
    virtual Result<bool> remove(std::string_view domain, std::string_view jid,
                                std::string_view node) = 0;
};

// XEP-0045 persistent rooms of the muc daemon's services, keyed by (service,
// room): each room with its configuration, subject and affiliations. The
// muc daemon is the only writer and saves a room whole.
class MucStore {
public:
    virtual ~MucStore() = default;
    // Every room of `service` (a domain), by name, affiliations by jid.
    virtual Result<std::vector<MucRoom>> rooms(std::string_view service) = 0;
    // Inserts or replaces the room and all its affiliations, atomically.
    virtual Status put_room(std::string_view service, const MucRoom& room) = 0;
    // false when there is no such room; its affiliations go with it.
    virtual Result<bool> remove_room(std::string_view service, std::string_view room) = 0;
};

struct SchemaStatus {
    int current = 0;  // 0: empty database
    int latest = 0;   // the newest migration this build knows
};

class Driver {
public:
    virtual ~Driver() = default;

    virtual std::string_view name() const = 0;  // "sqlite", "pgsql"

    virtual AuthregStore& authreg() = 0;
    virtual RosterStore& roster() = 0;
    virtual QueueStore& queue() = 0;
    virtual PrivacyStore& privacy() = 0;
    virtual VcardStore& vcard() = 0;
    virtual PrivateStore& private_xml() = 0;  // `private` is a C++ keyword
    virtual LastStore& last() = 0;
    virtual ActiveStore& active() = 0;
    virtual AnnounceStore& announce() = 0;
    virtual VacationStore& vacation() = 0;
    virtual DiscoItemsStore& disco_items() = 0;
    // The muc daemon's rooms. Not pure, unlike the stores above: a driver
    // written before the muc collections existed keeps building and answers
    // with this error until it implements them; the contract suite
    // (storage_contract_muc_test.cpp) requires every driver to.
    virtual Result<MucStore*> muc() { return fail(std::string(name()) + " driver: no muc store"); }

    // Runs `body` in one transaction: committed when it returns ok, rolled
    // back otherwise.
    virtual Status transaction(const std::function<Status()>& body) = 0;

    // Removes every row that belongs to the account (username, realm), in
    // every collection, in one transaction. Rows keyed by a domain (the
    // message of the day, disco items) are the domain's and stay.
    virtual Status remove_user(std::string_view username, std::string_view realm) = 0;

    virtual Result<SchemaStatus> schema_status() = 0;
    // Applies the migrations not yet applied.
    virtual Status migrate() = 0;

    // False once the connection is known to be broken; Storage then opens a
    // new one for the next operation.
    virtual bool healthy() const = 0;
};

// What a factory's connect() does about the schema version it finds.
enum class SchemaPolicy {
    kDriverDefault,  // the driver's own choice: sqlite migrates, pgsql requires
    kMigrate,        // applies the missing migrations (a fresh install needs no step)
    kRequire,        // refuses a schema that is not this build's, naming the fix
                     // (`jabberdctl db init` / `db migrate`)
    kAsIs,           // no check: for the tool that reports and migrates
};

// Opens connections; a Storage asks for one per worker.
class DriverFactory {
public:
    virtual ~DriverFactory() = default;
    virtual Result<std::unique_ptr<Driver>> connect() = 0;
    virtual std::string describe() const = 0;  // for logs: "sqlite /var/lib/..."
};

}  // namespace jng::storage
