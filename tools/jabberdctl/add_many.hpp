// jabberdctl user add-many: creates the accounts of a "JID PASSWORD" list
// (a file or standard input) in one run, for provisioning and benchmarks.
// docs/operations.md shows it in use.
#pragma once

#include <string>
#include <vector>

#include "commands.hpp"

namespace jng::ctl {

// `args` is {"add-many", FILE}. Exit status 0 when every account was created
// or skipped as existing; 1 when the input had bad lines (nothing written)
// or writing failed part-way (the batches committed before stay).
int add_many_command(Context& ctx, const std::vector<std::string>& args);

}  // namespace jng::ctl
