// The input of `user add-many`: one "JID PASSWORD" per line, read and
// checked whole before anything is written, so bad input never half-imports.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "jid.hpp"
#include "result.hpp"

namespace jng::ctl {

struct AccountListLimits {
    // Room for the longest bare JID (2047 bytes) and a long password; a line
    // beyond it is reported without being held in memory.
    size_t max_line_bytes = 4096;
    // Every account is held in memory until the whole input is checked.
    size_t max_accounts = 1'000'000;
};

struct NewAccount {
    Jid jid;
    std::string password;  // as given: SASLprep happens when it is derived
    size_t line = 0;
};

struct BadLine {
    size_t line = 0;
    std::string reason;  // never quotes the password
};

struct AccountList {
    std::vector<NewAccount> accounts;  // in input order
    std::vector<BadLine> bad_lines;
};

// Reads `in` to its end (or to the first line past max_accounts). A line is
// `JID`, a run of spaces or tabs, then the password: the rest of the line
// with a trailing CR removed, inner and trailing spaces kept. Blank lines and
// lines whose first non-blank character is '#' are skipped. The JID and the
// password are held to what `user add` accepts; a JID given twice is a bad
// line. Fails only when reading fails.
Result<AccountList> read_account_list(std::FILE* in, const AccountListLimits& limits);

}  // namespace jng::ctl
