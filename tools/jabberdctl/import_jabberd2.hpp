// jabberdctl import-jabberd2: copies the accounts of a jabberd2 2.x database,
// with their rosters, offline messages, privacy lists, vCards and private
// XML, into the database a daemon config names. docs/migrate-from-jabberd2.md
// is the operator's guide.
#pragma once

#include <string>
#include <vector>

#include "commands.hpp"

namespace jng::ctl {

// Exit status 0 when everything was imported, 3 when the import ran to the
// end but left accounts or rows out (each named in the report), 1 when it
// could not run (a bad option, an unreadable source).
inline constexpr int kImportedWithSkips = 3;

int import_jabberd2_command(Context& ctx, const std::vector<std::string>& args);

}  // namespace jng::ctl
