// The asynchronous storage interface protocol code uses: an operation on a
// Driver runs on a worker thread with that worker's own connection, and its
// result comes back to the event loop. Operations for the same owner run in
// submission order.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "driver.hpp"
#include "log.hpp"
#include "worker_pool.hpp"

namespace jng::storage {

class Storage {
public:
    Storage(net::Loop& loop, Log& log, std::unique_ptr<DriverFactory> factory,
            size_t connections);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;

    // Runs `op(Driver&)` (returning Result<T> or Status) on the connection that
    // serves `owner`, then `done(result)` on the loop. When no connection can be
    // opened `done` gets the error and the next call tries again.
    template <class Op, class Done>
    void run(std::string_view owner, Op op, Done done) {
        pool_.submit(owner, [this, op = std::move(op)](size_t index) mutable
                     -> decltype(op(std::declval<Driver&>())) {
            auto driver = connection(index);
            if (!driver) return driver.error();
            auto result = op(**driver);
            if (!(*driver)->healthy()) drop(index);
            return result;
        }, std::move(done));
    }

    // Blocks until every submitted operation has finished (shutdown, tests).
    void drain() { pool_.drain(); }

    const DriverFactory& factory() const { return *factory_; }

private:
    Result<Driver*> connection(size_t index);  // worker thread
    void drop(size_t index);                   // worker thread

    Log& log_;
    // An outage is logged when it starts, then once a minute while it lasts
    // (not once per operation), and its end once.
    std::mutex outage_mutex_;
    bool down_ = false;
    std::chrono::steady_clock::time_point down_logged_;
    std::unique_ptr<DriverFactory> factory_;
    std::vector<std::unique_ptr<Driver>> drivers_;  // one slot per worker, touched only by it
    WorkerPool pool_;  // last: its threads stop before the drivers go
};

// The driver a config names: "sqlite" (path) or "pgsql" (conninfo).
struct StorageConfig {
    std::string driver = "sqlite";
    size_t connections = 1;
    std::string sqlite_path = "var/jabberd-ng.db";
    std::string pgsql_conninfo;
    std::chrono::seconds pgsql_connect_timeout{10};
    std::chrono::milliseconds pgsql_statement_timeout{30000};
    std::chrono::milliseconds pgsql_max_retry{10000};
    // Not a config key: the daemons take the driver's default, jabberdctl's
    // db commands kAsIs.
    SchemaPolicy schema = SchemaPolicy::kDriverDefault;
};

Result<std::unique_ptr<DriverFactory>> make_factory(const StorageConfig& config);

}  // namespace jng::storage
