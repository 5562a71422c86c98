// XEP-0016 rule evaluation and list syntax, free of any state.
#include "privacy_rules.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "jid.hpp"
#include "ns.hpp"
#include "stanza.hpp"

namespace jng::sm {
namespace {

std::string_view subscription_of(const storage::RosterItem* contact) {
    if (!contact) return "none";
    if (contact->to && contact->from) return "both";
    if (contact->to) return "to";
    if (contact->from) return "from";
    return "none";
}

// xs:unsignedInt: decimal digits (an optional '+'), at most 2^32 - 1.
std::optional<uint32_t> parse_order(std::string_view text) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.empty() ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

JidParts JidParts::of(std::string_view jid) {
    JidParts p;
    const size_t slash = jid.find('/');
    const std::string_view bare = jid.substr(0, slash);
    if (slash != std::string_view::npos) p.resource = jid.substr(slash + 1);
    const size_t at = bare.find('@');
    if (at == std::string_view::npos) {
        p.domain = bare;
    } else {
        p.node = bare.substr(0, at);
        p.domain = bare.substr(at + 1);
    }
    return p;
}

Traffic traffic_of(const xml::Element& stanza, Direction direction) {
    const stanza::Kind kind = stanza::kind_of(stanza);
    const std::string_view type = stanza.attr("type");
    // §2.10/§2.11: presence notifications are available and unavailable
    // presence only, not subscriptions or probes.
    const bool notification =
        kind == stanza::Kind::kPresence && (type.empty() || type == "unavailable");
    if (direction == Direction::kOut) return notification ? Traffic::kPresenceOut : Traffic::kOther;
    if (kind == stanza::Kind::kMessage) return Traffic::kMessage;
    if (kind == stanza::Kind::kIq) return Traffic::kIq;
    return notification ? Traffic::kPresenceIn : Traffic::kOther;
}

bool covers(const storage::PrivacyItem& item, Traffic traffic) {
    if (!item.message && !item.iq && !item.presence_in && !item.presence_out) return true;
    switch (traffic) {
        case Traffic::kMessage:
            return item.message;
        case Traffic::kIq:
            return item.iq;
        case Traffic::kPresenceIn:
            return item.presence_in;
        case Traffic::kPresenceOut:
            return item.presence_out;
        case Traffic::kOther:
            return false;
    }
    return false;
}

bool jid_matches(std::string_view value, std::string_view peer) {
    const JidParts v = JidParts::of(value);
    const JidParts p = JidParts::of(peer);
    if (v.domain.empty()) return false;
    if (!v.node.empty()) {
        if (v.node != p.node || v.domain != p.domain) return false;
        return v.resource.empty() || v.resource == p.resource;
    }
    if (!v.resource.empty()) return v.domain == p.domain && v.resource == p.resource;
    if (p.domain == v.domain) return true;
    // "... or address containing a subdomain": a.example.com for example.com.
    return p.domain.size() > v.domain.size() && p.domain.ends_with(v.domain) &&
           p.domain[p.domain.size() - v.domain.size() - 1] == '.';
}

bool item_matches(const storage::PrivacyItem& item, std::string_view peer,
                  const storage::RosterItem* contact) {
    switch (item.type) {
        case storage::PrivacyItem::Type::kNone:
            return true;
        case storage::PrivacyItem::Type::kJid:
            return jid_matches(item.value, peer);
        case storage::PrivacyItem::Type::kGroup:
            return contact && std::find(contact->groups.begin(), contact->groups.end(),
                                        item.value) != contact->groups.end();
        case storage::PrivacyItem::Type::kSubscription:
            return subscription_of(contact) == item.value;
    }
    return false;
}

bool allows(const storage::PrivacyList& list, Traffic traffic, std::string_view peer,
            const storage::RosterItem* contact) {
    for (const auto& item : list.items) {
        if (covers(item, traffic) && item_matches(item, peer, contact)) return item.allow;
    }
    return true;  // §2.2 rule 7: no fall-through item means allow
}

// ---- a user's lists ------------------------------------------------------

const storage::PrivacyList* PrivacyLists::find(std::string_view name) const {
    const auto it = std::find_if(lists.begin(), lists.end(),
                                 [&](const storage::PrivacyList& l) { return l.name == name; });
    return it == lists.end() ? nullptr : &*it;
}

void PrivacyLists::put(storage::PrivacyList list) {
    const auto it = std::lower_bound(
        lists.begin(), lists.end(), list.name,
        [](const storage::PrivacyList& l, const std::string& name) { return l.name < name; });
    if (it != lists.end() && it->name == list.name) {
        *it = std::move(list);
    } else {
        lists.insert(it, std::move(list));
    }
}

void PrivacyLists::erase(std::string_view name) {
    std::erase_if(lists, [&](const storage::PrivacyList& l) { return l.name == name; });
    if (default_name == name) default_name.reset();
}

// ---- XML -----------------------------------------------------------------

ParsedList parse_list(const xml::Element& list) {
    ParsedList out;
    auto problem = [&out](std::string condition, std::string text) {
        out.problem = ListProblem{std::move(condition), std::move(text)};
        return std::move(out);
    };
    out.list.name = list.attr("name");
    if (out.list.name.empty()) return problem("bad-request", "a list needs a name");
    if (out.list.name.size() > kMaxListName) return problem("bad-request", "list name too long");
    std::set<uint32_t> orders;
    for (const xml::Element& e : list.elements()) {
        if (!e.is("item", ns::kPrivacy))
            return problem("bad-request", "a list holds <item/> elements only");
        if (out.list.items.size() == kMaxListItems) {
            return problem("policy-violation",
                           "a list holds at most " + std::to_string(kMaxListItems) + " items");
        }
        storage::PrivacyItem item;
        const std::string_view action = e.attr("action");
        if (action != "allow" && action != "deny") {
            return problem("bad-request", "an item's action is allow or deny");
        }
        item.allow = action == "allow";
        const auto order = parse_order(e.attr("order"));
        if (!order) return problem("bad-request", "an item's order is an unsigned 32-bit integer");
        item.order = *order;
        if (!orders.insert(item.order).second) {
            return problem("bad-request", "order " + std::to_string(item.order) + " is used twice");
        }
        const std::string* type = e.find_attr("type");
        const std::string_view value = e.attr("value");
        if (!type) {
            // The fall-through item (§2.1).
            if (!value.empty())
                return problem("bad-request", "an item without a type has no value");
        } else if (*type == "jid") {
            auto jid = Jid::parse(value);
            if (!jid) return problem("bad-request", "invalid jid '" + std::string(value) + "'");
            item.type = storage::PrivacyItem::Type::kJid;
            item.value = jid->str();
        } else if (*type == "group") {
            if (value.empty() || value.size() > kMaxListName) {
                return problem("bad-request", "a group item needs a group name");
            }
            item.type = storage::PrivacyItem::Type::kGroup;
            item.value = value;
        } else if (*type == "subscription") {
            if (value != "none" && value != "to" && value != "from" && value != "both") {
                return problem("bad-request", "a subscription is none, to, from or both");
            }
            item.type = storage::PrivacyItem::Type::kSubscription;
            item.value = value;
        } else {
            return problem("bad-request", "an item's type is jid, group or subscription");
        }
        for (const xml::Element& kind : e.elements()) {
            if (kind.ns() != ns::kPrivacy) return problem("bad-request", "unknown stanza kind");
            if (kind.name() == "message") {
                item.message = true;
            } else if (kind.name() == "iq") {
                item.iq = true;
            } else if (kind.name() == "presence-in") {
                item.presence_in = true;
            } else if (kind.name() == "presence-out") {
                item.presence_out = true;
            } else {
                return problem("bad-request", "unknown stanza kind <" + kind.name() + "/>");
            }
        }
        out.list.items.push_back(std::move(item));
    }
    std::sort(out.list.items.begin(), out.list.items.end(),
              [](const auto& a, const auto& b) { return a.order < b.order; });
    return out;
}

xml::Element item_element(const storage::PrivacyItem& item) {
    xml::Element e("item", ns::kPrivacy);
    switch (item.type) {
        case storage::PrivacyItem::Type::kNone:
            break;
        case storage::PrivacyItem::Type::kJid:
            e.set_attr("type", "jid");
            break;
        case storage::PrivacyItem::Type::kGroup:
            e.set_attr("type", "group");
            break;
        case storage::PrivacyItem::Type::kSubscription:
            e.set_attr("type", "subscription");
            break;
    }
    if (item.type != storage::PrivacyItem::Type::kNone) e.set_attr("value", item.value);
    e.set_attr("action", item.allow ? "allow" : "deny");
    e.set_attr("order", std::to_string(item.order));
    if (item.message) e.add("message");
    if (item.iq) e.add("iq");
    if (item.presence_in) e.add("presence-in");
    if (item.presence_out) e.add("presence-out");
    return e;
}

xml::Element list_element(const storage::PrivacyList& list, bool with_items) {
    xml::Element e("list", ns::kPrivacy);
    e.set_attr("name", list.name);
    if (with_items) {
        for (const auto& item : list.items) e.add_child(item_element(item));
    }
    return e;
}

}  // namespace jng::sm
