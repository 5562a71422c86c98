// jabberdctl's commands; each works on a storage Driver opened from the
// <storage> block of a daemon's config file.
#pragma once

#include <string>
#include <vector>

#include "driver.hpp"

namespace jng::ctl {

struct Context {
    storage::Driver& db;
    int iterations;  // for new SCRAM credentials
};

// Each returns the process exit status and prints what it did.
int user_command(Context& ctx, const std::vector<std::string>& args);
int db_command(Context& ctx, const std::vector<std::string>& args);

}  // namespace jng::ctl
