// XEP-0016 privacy lists as pure functions: which stanzas an item covers,
// how its value matches an address (§2.1: full JID, bare JID,
// domain/resource, domain), the verdict of a whole list, and lists to and
// from XML. The privacy and blocking modules both decide through these;
// nothing here touches sessions or storage.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter.hpp"
#include "storage.hpp"
#include "xml/element.hpp"

namespace jng::sm {

// The name under which the blocklist of XEP-0191 is kept among the user's
// privacy lists. The privacy protocol never shows it (docs/privacy.md).
constexpr std::string_view kBlocklistName = "urn:xmpp:blocking";

constexpr size_t kMaxListName = 1023;   // bytes
constexpr size_t kMaxListItems = 1024;  // per privacy list
constexpr size_t kMaxLists = 64;        // privacy lists per user
constexpr size_t kMaxBlocked = 4096;    // JIDs in the blocklist

// A normalized JID split into its parts without re-parsing it: what is
// before the first '/' is the bare JID, and a '@' in it ends the node.
struct JidParts {
    std::string_view node;
    std::string_view domain;
    std::string_view resource;
    static JidParts of(std::string_view jid);
};

// What a stanza is, for the stanza kinds an item names (§2.1).
enum class Traffic {
    kMessage,      // an inbound message
    kIq,           // an inbound iq
    kPresenceIn,   // an inbound presence notification (no type, or unavailable)
    kPresenceOut,  // an outbound presence notification
    kOther,        // anything else - inbound subscription requests and probes,
                   // outbound messages, iq and subscriptions: only items for
                   // every kind cover it (§2.14)
};
Traffic traffic_of(const xml::Element& stanza, Direction direction);

// Whether the item's stanza kinds include `traffic`; an item without any
// covers every stanza both ways.
bool covers(const storage::PrivacyItem& item, Traffic traffic);

// §2.1: a 'jid' value matches by its form - user@domain/resource only that
// resource, user@domain any resource, domain/resource that resource at any
// node of the domain, domain the domain itself, everything at it and its
// subdomains. Both sides normalized.
bool jid_matches(std::string_view value, std::string_view peer);

// Whether the item's type and value match the peer. `contact` is the user's
// roster item for the peer's bare JID, nullptr when there is none (its
// subscription is then "none", and it is in no group).
bool item_matches(const storage::PrivacyItem& item, std::string_view peer,
                  const storage::RosterItem* contact);

// §2.2: the action of the first item, by ascending order, that covers the
// traffic and matches the peer; allow when no item does.
bool allows(const storage::PrivacyList& list, Traffic traffic, std::string_view peer,
            const storage::RosterItem* contact);

// One user's lists as stored: every privacy list, the blocklist among them,
// and the name of the default list.
struct PrivacyLists {
    std::vector<storage::PrivacyList> lists;  // by name
    std::optional<std::string> default_name;

    const storage::PrivacyList* find(std::string_view name) const;
    void put(storage::PrivacyList list);  // adds or replaces
    void erase(std::string_view name);    // and the default naming it
};

// A client's <list/> checked and turned into a list, or the stanza error
// condition and text to answer with.
struct ListProblem {
    std::string condition;
    std::string text;
};
struct ParsedList {
    storage::PrivacyList list;  // items by ascending order
    std::optional<ListProblem> problem;
};
ParsedList parse_list(const xml::Element& list);

// <list name=''/> with its items, or only the name (for pushes and names).
xml::Element list_element(const storage::PrivacyList& list, bool with_items);
xml::Element item_element(const storage::PrivacyItem& item);

}  // namespace jng::sm
