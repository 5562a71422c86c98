// Storage: per-worker connections opened lazily and replaced when broken.
#include "storage.hpp"

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
        if (!d) {
            log_.warning("storage: cannot connect to {}: {}", factory_->describe(), d.message());
            return d.error();
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
    if (config.driver == "sqlite") return sqlite::make_factory(config.sqlite_path);
    return fail("unknown storage driver '" + config.driver + "'");
}

}  // namespace jng::storage
