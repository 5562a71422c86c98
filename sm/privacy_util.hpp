// What the privacy and blocking modules share beyond the rules: the user's
// lists loaded with the user, the enforcement of refusals in the chains
// (which list judges a stanza, and the errors XEP-0016 §2.13 and XEP-0191
// §3.3 prescribe), and the presence that follows a change of rules.
#pragma once

#include <set>
#include <string>
#include <utility>

#include "chain.hpp"
#include "filter.hpp"
#include "privacy_rules.hpp"

namespace jng::sm {

class SessionManager;

// Where the two modules sit: the blocklist is consulted before the privacy
// lists (so that its refusals carry <blocked/>), and both refuse before any
// other handler sees a stanza - roster, presence, delivery, offline storage.
constexpr int kBlockingFilterPriority = 100;
constexpr int kPrivacyFilterPriority = 0;
constexpr int kBlockingChainPriority = 1100;
constexpr int kPrivacyChainPriority = 1000;

// Loads every user's lists (privacy lists and blocklist) with the user.
// Both modules ask; the loader is added once.
void load_privacy_lists(SessionManager& sm);

// The lists of a loaded user.
const PrivacyLists& lists_of(const User& user);
PrivacyLists& lists_of(User& user);

// Registers the handlers that refuse what the filters refuse with `mine`:
// in the in chain for what arrives for a local user, in the out chain for
// what a session sends, at `priority` (above delivery and offline storage).
// Each module answers for its own refusals.
void enforce(SessionManager& sm, std::string_view module, int priority, Permit mine);

// The verdict on an inbound stanza (docs/privacy.md, "Which list judges"):
// a stanza for a connected resource is judged for that session; a message
// or presence notification for the bare JID for the sessions it would
// reach (one that accepts it is enough: delivery leaves out the others);
// anything else, or when no session would get it, for the account.
Permit judge_inbound(const SessionManager& sm, const Packet& p);

// XEP-0016 §2.13 / XEP-0191 §3.3: a refused inbound message or iq request
// gets service-unavailable, anything else nothing; a refused outbound
// stanza gets not-acceptable back, with <blocked/> when the blocklist
// refused it.
Verdict refuse_inbound(SessionManager& sm, const Packet& p);
Verdict refuse_outbound(SessionManager& sm, const Packet& p, Permit why);

// The presence a user's available sessions and contacts exchange under the
// rules in force. Taken just before a change of rules and settled just
// after it, it sends what the change means: a contact that may no longer
// see a session gets its unavailable presence (XEP-0016 §2.11, XEP-0191
// §3.3), one that may see it again its current presence (XEP-0191 §3.4); a
// session gets unavailable presence from contacts it may no longer hear
// (XEP-0016 §2.10), and contacts it may hear again are probed.
class PresenceWatch {
public:
    PresenceWatch(SessionManager& sm, const User& user);
    void settle();

private:
    using Pairs = std::set<std::pair<const Session*, std::string>>;
    void look(Pairs& hidden_from, Pairs& unheard) const;

    SessionManager& sm_;
    const User& user_;
    Pairs hidden_from_;  // (session, contact): the contact does not get the session's presence
    Pairs unheard_;      // (session, contact): the session does not get the contact's presence
};

// An <iq type='set'/> push from the user's bare JID to one session.
xml::Element push_to(const Session& session, xml::Element&& payload);

}  // namespace jng::sm
