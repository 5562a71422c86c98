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

    // Runs `body` in one transaction: committed when it returns ok, rolled
    // back otherwise.
    virtual Status transaction(const std::function<Status()>& body) = 0;

    // Removes every row that belongs to the account (username, realm), in
    // every collection, in one transaction.
    virtual Status remove_user(std::string_view username, std::string_view realm) = 0;

    virtual Result<SchemaStatus> schema_status() = 0;
    // Applies the migrations not yet applied.
    virtual Status migrate() = 0;

    // False once the connection is known to be broken; Storage then opens a
    // new one for the next operation.
    virtual bool healthy() const = 0;
};

// Opens connections; a Storage asks for one per worker.
class DriverFactory {
public:
    virtual ~DriverFactory() = default;
    virtual Result<std::unique_ptr<Driver>> connect() = 0;
    virtual std::string describe() const = 0;  // for logs: "sqlite /var/lib/..."
};

}  // namespace jng::storage
