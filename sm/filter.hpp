// Privacy filters: how modules let a user refuse to exchange stanzas with
// someone (XEP-0016 privacy lists, XEP-0191 blocking). A filter judges one
// stanza between a local user and one other entity; the session manager
// asks the filters wherever such a stanza reaches one of the user's sessions
// or leaves for one recipient (docs/privacy.md).
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "xml/element.hpp"

namespace jng::sm {

struct Session;
struct User;

enum class Direction {
    kIn,   // from the peer to the user
    kOut,  // from the user to the peer
};

// One stanza between a local user and someone else, as a filter sees it.
struct Exchange {
    const User& user;
    // The user's session that receives or sends the stanza; nullptr when it
    // is for or from the account as a whole (the server answers, stores or
    // sends on the user's behalf).
    const Session* session;
    Direction direction;
    const xml::Element& stanza;
    std::string_view peer;  // the other side's JID, normalized
};

enum class Permit {
    kAllow,
    kDeny,     // refused by a privacy list (XEP-0016)
    kBlocked,  // refused because the user blocked the peer (XEP-0191 §3.3)
};

using Filter = std::function<Permit(const Exchange&)>;

// The filters modules added, asked in priority order (higher first); the
// first refusal decides.
class Filters {
public:
    void add(int priority, std::string module, Filter filter) {
        entries_.push_back(Entry{priority, std::move(module), std::move(filter)});
        std::stable_sort(entries_.begin(), entries_.end(),
                         [](const Entry& a, const Entry& b) { return a.priority > b.priority; });
    }

    Permit check(const Exchange& exchange) const {
        for (const auto& e : entries_) {
            const Permit p = e.filter(exchange);
            if (p != Permit::kAllow) return p;
        }
        return Permit::kAllow;
    }

    bool empty() const { return entries_.empty(); }

private:
    struct Entry {
        int priority;
        std::string module;
        Filter filter;
    };
    std::vector<Entry> entries_;
};

}  // namespace jng::sm
