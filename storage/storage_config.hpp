// The <storage> block every daemon config (and jabberdctl) reads the same way.
#pragma once

#include <string>

#include "config.hpp"
#include "storage.hpp"

namespace jng::storage {

// <storage driver='sqlite' connections='1'><sqlite path='...'/></storage>
// (a relative path is relative to the config file's directory), or
// <storage driver='pgsql' connections='4'><pgsql conninfo='...'
//   connect-timeout='10' statement-timeout-ms='30000' max-retry-ms='10000'/>
// </storage>; see storage/README.md.
StorageConfig read_config(config::Reader& reader, const std::string& config_path);

}  // namespace jng::storage
