// Reading and checking the account list of `user add-many`; nothing here
// touches the database.
#include "account_list.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "commands.hpp"

namespace jng::ctl {
namespace {

enum class LineRead { kLine, kTooLong, kEnd };

// One line without its '\n'. A line longer than `max` is consumed to its end
// but not kept, so one huge line cannot exhaust memory.
LineRead read_line(std::FILE* in, size_t max, std::string& line) {
    line.clear();
    bool too_long = false;
    int c = 0;
    while ((c = getc_unlocked(in)) != EOF && c != '\n') {
        if (too_long) continue;
        if (line.size() == max) {
            too_long = true;
            line.clear();
            continue;
        }
        line.push_back(static_cast<char>(c));
    }
    if (c == EOF && line.empty() && !too_long) return LineRead::kEnd;
    return too_long ? LineRead::kTooLong : LineRead::kLine;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

struct Fields {
    std::string_view jid;
    std::string_view password;
};

// nullopt for a blank or comment line.
std::optional<Fields> split_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t start = 0;
    while (start < line.size() && is_blank(line[start])) ++start;
    if (start == line.size() || line[start] == '#') return std::nullopt;
    size_t end = start;
    while (end < line.size() && !is_blank(line[end])) ++end;
    size_t password = end;
    while (password < line.size() && is_blank(line[password])) ++password;
    return Fields{line.substr(start, end - start), line.substr(password)};
}

}  // namespace

Result<AccountList> read_account_list(std::FILE* in, const AccountListLimits& limits) {
    AccountList list;
    // Normalised JID -> the line that named it first: "Alice@X" and
    // "alice@x" are one account.
    std::unordered_map<std::string, size_t> first_line;
    std::string line;
    size_t number = 0;
    for (;;) {
        const LineRead read = read_line(in, limits.max_line_bytes, line);
        if (read == LineRead::kEnd) break;
        ++number;
        auto bad = [&](std::string reason) {
            list.bad_lines.push_back({number, std::move(reason)});
        };
        if (read == LineRead::kTooLong) {
            bad("line longer than " + std::to_string(limits.max_line_bytes) + " bytes");
            continue;
        }
        auto fields = split_line(line);
        if (!fields) continue;
        if (list.accounts.size() == limits.max_accounts) {
            bad("more than " + std::to_string(limits.max_accounts) +
                " accounts in one run; split the input");
            break;
        }
        auto jid = account_jid(fields->jid);
        if (!jid) {
            bad("bad JID: " + jid.message());
            continue;
        }
        if (fields->password.empty()) {
            bad(jid->str() + ": no password after the JID");
            continue;
        }
        if (auto st = check_password(fields->password); !st) {
            bad(jid->str() + ": " + st.message());
            continue;
        }
        auto [it, first] = first_line.try_emplace(jid->str(), number);
        if (!first) {
            bad(jid->str() + " is on line " + std::to_string(it->second) + " already");
            continue;
        }
        list.accounts.push_back({std::move(*jid), std::string(fields->password), number});
    }
    if (std::ferror(in)) return fail(std::strerror(errno));
    return list;
}

}  // namespace jng::ctl
