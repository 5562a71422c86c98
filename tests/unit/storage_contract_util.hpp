// Helpers of the storage contract tests: roster contacts, privacy rules,
// row counts behind the driver's back, and strings that must come back
// byte for byte.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "storage_backends.hpp"

namespace jng::storage::test {

inline PrivacyItem rule(PrivacyItem::Type type, std::string value, uint32_t order,
                        bool allow = false) {
    PrivacyItem item;
    item.type = type;
    item.value = std::move(value);
    item.order = order;
    item.allow = allow;
    return item;
}

inline PrivacyItem fall_through(uint32_t order, bool allow = true) {
    return rule(PrivacyItem::Type::kNone, "", order, allow);
}

inline RosterItem contact(std::string jid) {
    RosterItem item;
    item.jid = std::move(jid);
    return item;
}

inline int64_t count(Backend& b, const std::string& table) {
    return std::stoll(b.sql("SELECT COUNT(*) FROM \"" + table + "\"").at(0).at(0).value());
}

inline int64_t rows_in(Backend& b, const std::string& table, const std::string& owner) {
    auto rows =
        b.sql("SELECT COUNT(*) FROM \"" + table + "\" WHERE \"collection-owner\" = $1", {owner});
    return std::stoll(rows.at(0).at(0).value());
}

// `s` made a possible domain: no localpart or resource separators.
inline std::string as_domain(std::string s) {
    std::replace(s.begin(), s.end(), '@', '.');
    std::replace(s.begin(), s.end(), '/', '.');
    return s;
}

// Strings a client or an administrator may send, which must come back byte
// for byte and never change a statement. Only text every SQL database takes
// (no NUL).
inline const std::vector<std::string>& hostile_strings() {
    static const std::vector<std::string> strings = {
        "o'neil",
        "'; DROP TABLE \"private\"; --",
        "jabber:iq:private' OR '1'='1",
        "\"quoted\" and \\backslash\\ and $1 and ? and %s and :name",
        "% and _ and *",
        "Zoë 😀 日本語 \u202e\u200b",
        "line\nbreak\ttab\r",
        "<vCard xmlns='vcard-temp'><FN>&amp;&lt;&#0;]]></FN></vCard>",
        std::string(10000, 'x'),
    };
    return strings;
}


}  // namespace jng::storage::test
