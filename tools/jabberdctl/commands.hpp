// jabberdctl's commands; each works on a storage Driver opened from the
// <storage> block of a daemon's config file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "driver.hpp"
#include "jid.hpp"

namespace jng::ctl {

struct Context {
    storage::Driver& db;
    int iterations;  // for new SCRAM credentials
};

// A bare JID with a node: how every user command names an account.
Result<Jid> account_jid(std::string_view text);

// What record_for() refuses in a password (SASLprep fails or leaves nothing),
// found without paying for PBKDF2, so a whole input can be checked first.
Status check_password(std::string_view password);

// The SCRAM-SHA-1 and SCRAM-SHA-256 credentials of an account, derived from
// its password (SASLprep, a fresh salt each, PBKDF2 with `iterations`).
Result<storage::AuthRecord> record_for(const Jid& jid, std::string_view password, int iterations);

// Each returns the process exit status and prints what it did.
int user_command(Context& ctx, const std::vector<std::string>& args);
int db_command(Context& ctx, const std::vector<std::string>& args);

}  // namespace jng::ctl
