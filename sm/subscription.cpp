// RFC 6121 Appendix A, state by state.
#include "subscription.hpp"

namespace jng::sm {

bool parse_sub_type(std::string_view type, SubType& out) {
    if (type == "subscribe") out = SubType::kSubscribe;
    else if (type == "subscribed") out = SubType::kSubscribed;
    else if (type == "unsubscribe") out = SubType::kUnsubscribe;
    else if (type == "unsubscribed") out = SubType::kUnsubscribed;
    else return false;
    return true;
}

SubState SubState::of(const storage::RosterItem& item) {
    return SubState{item.to, item.from, item.ask == storage::RosterItem::Ask::kSubscribe,
                    !item.pending_in.empty(), item.approved};
}

void SubState::apply_to(storage::RosterItem& item) const {
    item.to = to;
    item.from = from;
    item.ask = pending_out ? storage::RosterItem::Ask::kSubscribe : storage::RosterItem::Ask::kNone;
    item.approved = approved;
    if (!pending_in) item.pending_in.clear();
}

namespace {
SubOutcome result(const SubState& before, const SubState& after, bool forward) {
    return SubOutcome{after, !(before == after), forward, false};
}
}  // namespace

SubOutcome outbound(SubState s, SubType type) {
    const SubState before = s;
    switch (type) {
        case SubType::kSubscribe:
            // A.2.1: ask for the contact's presence unless we already have it.
            if (!s.to) s.pending_out = true;
            // The stanza always goes: the contact's server answers for itself.
            return result(before, s, true);
        case SubType::kUnsubscribe:
            // A.2.2: stop receiving the contact's presence.
            s.to = false;
            s.pending_out = false;
            return result(before, s, true);
        case SubType::kSubscribed:
            // A.2.3: approve a pending request, or pre-approve (§3.4) one to come.
            if (s.pending_in) {
                s.pending_in = false;
                s.from = true;
                s.approved = false;
                return result(before, s, true);
            }
            if (!s.from) s.approved = true;
            // No request to answer: nothing goes to the contact (§3.4.1).
            return result(before, s, false);
        case SubType::kUnsubscribed: {
            // A.2.4: refuse a request, or cancel the contact's subscription.
            const bool had = s.from || s.pending_in || s.approved;
            s.from = false;
            s.pending_in = false;
            s.approved = false;
            return result(before, s, had);
        }
    }
    return result(before, s, false);
}

SubOutcome inbound(SubState s, SubType type) {
    const SubState before = s;
    switch (type) {
        case SubType::kSubscribe: {
            // A.3.1: already subscribed, or pre-approved: the server answers.
            if (s.from) return SubOutcome{s, false, false, true};
            if (s.approved) {
                s.approved = false;
                s.from = true;
                return SubOutcome{s, true, false, true};
            }
            // Otherwise the request waits for the user (delivered now if a
            // resource is available, and again at each login until answered).
            s.pending_in = true;
            return SubOutcome{s, !(before == s), true, false};
        }
        case SubType::kSubscribed:
            // A.3.2: only an answer to our own request counts.
            if (!s.pending_out) return result(before, s, false);
            s.pending_out = false;
            s.to = true;
            return result(before, s, true);
        case SubType::kUnsubscribe:
            // A.3.3: the contact stops receiving our presence.
            if (!s.from && !s.pending_in) return result(before, s, false);
            s.from = false;
            s.pending_in = false;
            return result(before, s, true);
        case SubType::kUnsubscribed:
            // A.3.4: our subscription (or our request) is cancelled.
            if (!s.to && !s.pending_out) return result(before, s, false);
            s.to = false;
            s.pending_out = false;
            return result(before, s, true);
    }
    return result(before, s, false);
}

}  // namespace jng::sm
