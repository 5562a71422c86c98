// The presence subscription state machine of RFC 6121 Appendix A, as pure
// functions of a roster item's state: what a subscription stanza does to it
// and whether the stanza goes on. The presence module applies the results.
#pragma once

#include <string_view>

#include "storage.hpp"

namespace jng::sm {

enum class SubType { kSubscribe, kSubscribed, kUnsubscribe, kUnsubscribed };
bool parse_sub_type(std::string_view type, SubType& out);

struct SubState {
    bool to = false;
    bool from = false;
    bool pending_out = false;
    bool pending_in = false;
    bool approved = false;  // pre-approval (RFC 6121 §3.4)

    bool operator==(const SubState&) const = default;
    static SubState of(const storage::RosterItem& item);
    void apply_to(storage::RosterItem& item) const;
};

struct SubOutcome {
    SubState state;
    bool changed = false;      // the item changed: store it and push it
    bool forward = false;      // outbound: route the stanza to the contact;
                               // inbound: deliver it to the user's resources
    bool auto_reply = false;   // inbound subscribe: answer 'subscribed' for the user
};

// Appendix A.2: the user sends `type` to the contact.
SubOutcome outbound(SubState s, SubType type);
// Appendix A.3: the contact's `type` arrives for the user.
SubOutcome inbound(SubState s, SubType type);

}  // namespace jng::sm
