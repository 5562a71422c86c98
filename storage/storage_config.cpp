// Reading the <storage> block.
#include "storage_config.hpp"

#include "daemon.hpp"

namespace jng::storage {

StorageConfig read_config(config::Reader& r, const std::string& config_path) {
    StorageConfig c;
    c.driver = r.choice("storage@driver", "sqlite", {"sqlite", "pgsql"});
    c.connections = static_cast<size_t>(r.integer("storage@connections", 1, 1, 64));
    c.sqlite_path = daemon::relative_to(config_path, r.string("storage/sqlite@path", c.sqlite_path));
    c.pgsql_conninfo = r.string("storage/pgsql@conninfo");
    c.pgsql_connect_timeout = std::chrono::seconds(
        r.integer("storage/pgsql@connect-timeout", c.pgsql_connect_timeout.count(), 1, 3600));
    c.pgsql_statement_timeout = std::chrono::milliseconds(r.integer(
        "storage/pgsql@statement-timeout-ms", c.pgsql_statement_timeout.count(), 0, 3'600'000));
    c.pgsql_max_retry = std::chrono::milliseconds(
        r.integer("storage/pgsql@max-retry-ms", c.pgsql_max_retry.count(), 250, 3'600'000));
    if (c.driver == "pgsql" && c.pgsql_conninfo.empty()) {
        const std::string_view why =
            "<storage driver='pgsql'> needs <pgsql conninfo='...'/> (a libpq connection string, "
            "e.g. 'host=db.example.com dbname=jabberd user=jabberd sslmode=verify-full')";
        if (const auto* storage = r.node("storage"))
            r.error(*storage, why);
        else
            r.error(why);
    }
    return c;
}

}  // namespace jng::storage
