// Reading the <storage> block.
#include "storage_config.hpp"

#include "daemon.hpp"

namespace jng::storage {

StorageConfig read_config(config::Reader& r, const std::string& config_path) {
    StorageConfig c;
    c.driver = r.choice("storage@driver", "sqlite", {"sqlite"});
    c.connections = static_cast<size_t>(r.integer("storage@connections", 1, 1, 64));
    c.sqlite_path = daemon::relative_to(config_path, r.string("storage/sqlite@path", c.sqlite_path));
    return c;
}

}  // namespace jng::storage
