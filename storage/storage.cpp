// Storage: per-worker connections opened lazily and replaced when broken.
#include "storage.hpp"

#include <algorithm>

#include "pgsql/pgsql_driver.hpp"
#include "sqlite/sqlite_driver.hpp"

namespace jng::storage {

Storage::Storage(net::Loop& loop, Log& log, std::unique_ptr<DriverFactory> factory,
                 size_t connections)
    : log_(log), factory_(std::move(factory)), drivers_(connections == 0 ? 1 : connections),
      pool_(loop, connections == 0 ? 1 : connections) {}

Storage::~Storage() = default;

Result<Driver*> Storage::connection(size_t index) {
    auto& slot = drivers_[index];
    if (!slot) {
        auto d = factory_->connect();
        std::lock_guard lock(outage_mutex_);
        const auto now = std::chrono::steady_clock::now();
        if (!d) {
            if (!down_ || now - down_logged_ >= std::chrono::minutes(1)) {
                log_.warning("storage: cannot connect to {}: {}", factory_->describe(),
                             d.message());
                down_logged_ = now;
            }
            down_ = true;
            return d.error();
        }
        if (down_) {
            log_.notice("storage: connected to {} again", factory_->describe());
            down_ = false;
        }
        slot = std::move(*d);
    }
    return slot.get();
}

void Storage::drop(size_t index) {
    log_.warning("storage: connection to {} broken; reopening", factory_->describe());
    drivers_[index].reset();
}

Result<std::unique_ptr<DriverFactory>> make_factory(const StorageConfig& config) {
    if (config.driver == "sqlite") {
        sqlite::Options options;
        options.schema = config.schema;
        return sqlite::make_factory(config.sqlite_path, options);
    }
    if (config.driver == "pgsql") {
        pgsql::Options options;
        options.settings.conninfo = config.pgsql_conninfo;
        options.settings.connect_timeout = config.pgsql_connect_timeout;
        options.settings.statement_timeout = config.pgsql_statement_timeout;
        options.retry_max = std::max(config.pgsql_max_retry, options.retry_min);
        options.schema = config.schema;
        return pgsql::make_factory(std::move(options));
    }
    return fail("unknown storage driver '" + config.driver + "'");
}

}  // namespace jng::storage
