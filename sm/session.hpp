// The state the session manager keeps per user and per session: the roster
// in memory while the user is in use, the sessions with their presence.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jid.hpp"
#include "storage.hpp"
#include "string_map.hpp"
#include "xml/element.hpp"

namespace jng::sm {

struct PrivacyLists;
struct User;

struct Session {
    std::string id;   // chosen by c2s, unique per c2s process
    std::string c2s;  // the c2s component holding the client connection
    Jid jid;          // full JID
    User* user = nullptr;

    // RFC 6121 §4: a session is "available" between its initial presence and
    // its unavailable presence; only then does it get presence broadcasts and
    // messages addressed to the bare JID.
    bool available = false;
    int priority = 0;
    std::optional<xml::Element> presence;  // last available presence it sent
    bool interested = false;  // requested the roster: gets roster pushes (RFC 6121 §2.1.6)
    StringSet directed;       // full or bare JIDs it sent directed presence to (§4.6)
    bool carbons = false;     // XEP-0280, when that module is loaded
    // XEP-0016 active list ("": none), and whether the session asked for
    // the XEP-0191 blocklist (it then gets block and unblock pushes).
    std::string privacy_list;
    bool blocklist_requested = false;
    // When the client last sent something (for idle pings, XEP-0199 §4.2).
    std::chrono::steady_clock::time_point last_active = std::chrono::steady_clock::now();
};

struct User {
    Jid jid;  // bare
    bool exists = false;  // has an account
    std::map<std::string, storage::RosterItem, std::less<>> roster;  // by contact bare JID
    std::vector<Session*> sessions;
    std::chrono::steady_clock::time_point last_used;
    // XEP-0016 lists and the XEP-0191 blocklist, loaded with the user when
    // the privacy or blocking module runs (privacy_rules.hpp).
    std::shared_ptr<PrivacyLists> privacy;

    // Sessions that sent initial presence and have not gone unavailable.
    std::vector<Session*> available() const;
    Session* session_for(std::string_view resource) const;
    storage::RosterItem* item(std::string_view contact);
};

}  // namespace jng::sm
