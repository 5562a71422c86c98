// The rows of jabberd2's collections as typed values. Drivers map them to
// tables of the same names; nothing outside storage/ sees SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sasl/credential.hpp"

namespace jng::storage {

using sasl::ScramCredential;

// `authreg`: one account. Keyed by (username, realm): the localpart and the
// domain, both normalized.
struct AuthRecord {
    std::string username;
    std::string realm;
    ScramCredential sha1;
    ScramCredential sha256;
    bool operator==(const AuthRecord&) const = default;
};

// `roster-items` (+ `roster-groups`): one contact in a user's roster, with
// the subscription state of RFC 6121 Appendix A.
struct RosterItem {
    enum class Ask { kNone = 0, kSubscribe = 1 };

    std::string jid;   // the contact, bare and normalized
    std::string name;  // user-chosen handle, may be empty
    bool to = false;   // the user receives the contact's presence
    bool from = false; // the contact receives the user's presence
    Ask ask = Ask::kNone;         // "Pending Out": the user asked, no answer yet
    bool approved = false;        // pre-approved (RFC 6121 §3.4)
    std::string pending_in;       // "Pending In": the contact's stored subscribe stanza, or empty
    bool hidden = false;          // server-side state only (e.g. a pending-in
                                  // from someone the user never added): not in roster gets
    std::vector<std::string> groups;

    bool operator==(const RosterItem&) const = default;
};

// `queue`: one stanza stored for an offline user, serialized standalone
// (namespaces declared), with its <delay/> already stamped.
struct QueuedStanza {
    int64_t seq = 0;  // `object-sequence`: delivery order
    std::string xml;
    bool operator==(const QueuedStanza&) const = default;
};

// `privacy-items`: one rule of a privacy list (XEP-0016 §2.1).
struct PrivacyItem {
    enum class Type { kNone, kJid, kGroup, kSubscription };

    Type type = Type::kNone;  // kNone: the fall-through item, matching everyone
    std::string value;        // a JID, a roster group, or none/to/from/both; empty for kNone
    bool allow = false;       // action "allow" (else "deny")
    uint32_t order = 0;       // xs:unsignedInt, unique within a list
    // The stanza kinds the item applies to; all false means every kind.
    bool message = false;
    bool iq = false;
    bool presence_in = false;
    bool presence_out = false;

    bool operator==(const PrivacyItem&) const = default;
};

// A named privacy list: its items by ascending `order`, at least one (an
// empty list is removed, XEP-0016 §2.3, not stored).
struct PrivacyList {
    std::string name;
    std::vector<PrivacyItem> items;
    bool operator==(const PrivacyList&) const = default;
};

// `logout`: when the user's last session ended, and the status text of its
// last unavailable presence (XEP-0012 §4).
struct LastLogout {
    int64_t time = 0;  // unix seconds
    std::string status;
    bool operator==(const LastLogout&) const = default;
};

// `motd-message`: a domain's message of the day, a whole <message/> stanza
// serialized standalone, and when it was set.
struct Motd {
    std::string xml;
    int64_t time = 0;  // unix seconds
    bool operator==(const Motd&) const = default;
};

// `vacation-settings`: an automatic reply and the period it is sent in.
struct Vacation {
    int64_t start = 0;  // unix seconds; 0: from now on
    int64_t end = 0;    // unix seconds; 0: until removed
    std::string message;
    bool operator==(const Vacation&) const = default;
};

// `disco-items`: an item a domain lists in disco#items (XEP-0030 §4) besides
// its components.
struct DiscoItem {
    std::string jid;
    std::string name;  // may be empty
    std::string node;  // may be empty
    bool operator==(const DiscoItem&) const = default;
};

// `muc-affiliations`: a user's lasting relation to a room of a MUC service
// (XEP-0045 §5.2), by bare JID, or by domain for every user of it. "none" is
// the absence of a row.
struct MucAffiliation {
    enum class Kind { kOwner, kAdmin, kMember, kOutcast };

    std::string jid;
    Kind affiliation = Kind::kMember;
    std::string reason;  // may be empty
    bool operator==(const MucAffiliation&) const = default;
};

// `muc-rooms`: a persistent room of a MUC service with its affiliations.
// The configuration is the muc daemon's document (serialized XML); storage
// only keeps it.
struct MucRoom {
    std::string name;          // the room's localpart, normalized
    std::string config;        // serialized XML
    std::string subject;       // empty when none was set
    std::string subject_nick;  // who set it; empty when the room did
    int64_t created = 0;       // unix seconds
    std::vector<MucAffiliation> affiliations;  // by jid
    bool operator==(const MucRoom&) const = default;
};

}  // namespace jng::storage
