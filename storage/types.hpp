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

}  // namespace jng::storage
