// Loading, enforcement and presence shared by the privacy and blocking
// modules.
#include "privacy_util.hpp"

#include <algorithm>

#include "ns.hpp"
#include "random.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {
namespace {

xml::Element presence(std::string_view from, std::string_view to, std::string_view type) {
    xml::Element p("presence", ns::kClient);
    p.set_attr("from", from);
    p.set_attr("to", to);
    if (!type.empty()) p.set_attr("type", type);
    return p;
}

bool is_notification(const Packet& p) {
    const std::string_view type = p.type();
    return p.kind == stanza::Kind::kPresence && (type.empty() || type == "unavailable");
}

}  // namespace

void load_privacy_lists(SessionManager& sm) {
    sm.add_user_loader(
        "privacy-lists",
        [](storage::Driver& db, const Jid& bare) -> Result<std::function<void(User&)>> {
            auto stored = db.privacy().lists(bare.str());
            if (!stored) return stored.error();
            auto default_name = db.privacy().default_list(bare.str());
            if (!default_name) return default_name.error();
            auto lists = std::make_shared<PrivacyLists>();
            for (auto& list : *stored) {
                // Rows imported from elsewhere may hold JIDs as typed; ours
                // are normalized already.
                for (auto& item : list.items) {
                    if (item.type != storage::PrivacyItem::Type::kJid) continue;
                    if (auto jid = Jid::parse(item.value)) item.value = jid->str();
                }
                lists->put(std::move(list));
            }
            // The blocklist is never a default list (docs/privacy.md).
            if (*default_name && **default_name != kBlocklistName) {
                lists->default_name = std::move(**default_name);
            }
            return std::function<void(User&)>([lists](User& user) { user.privacy = lists; });
        });
}

const PrivacyLists& lists_of(const User& user) {
    static const PrivacyLists kNone;
    return user.privacy ? *user.privacy : kNone;
}

PrivacyLists& lists_of(User& user) {
    if (!user.privacy) user.privacy = std::make_shared<PrivacyLists>();
    return *user.privacy;
}

Permit judge_inbound(const SessionManager& sm, const Packet& p) {
    const User& user = *p.user;
    const std::string_view from = p.from.str();
    auto judge = [&](const Session* s) {
        return sm.permit(Exchange{user, s, Direction::kIn, p.stanza, from});
    };
    const bool notification = is_notification(p);
    const bool presence_request = p.kind == stanza::Kind::kPresence && !notification;
    // Subscriptions and probes are the server's business for the account
    // (RFC 6121 §3, §4.3), whatever resource they name.
    if (presence_request) return judge(nullptr);
    if (p.to->has_resource()) {
        if (const Session* s = user.session_for(p.to->resource())) return judge(s);
    }
    // An iq for the bare JID (or a resource that is not there) is answered
    // by the server for the account.
    if (p.kind == stanza::Kind::kIq) return judge(nullptr);
    // Messages and presence notifications for the bare JID: the sessions
    // that would get them (RFC 6121 §8.5.2; negative priority gets no
    // message but errors).
    const bool message = p.kind == stanza::Kind::kMessage;
    Permit refused = Permit::kAllow;
    bool any = false;
    for (const Session* s : user.available()) {
        if (message && p.type() != "error" && s->priority < 0) continue;
        any = true;
        const Permit v = judge(s);
        if (v == Permit::kAllow) return v;
        if (refused == Permit::kAllow) refused = v;
    }
    return any ? refused : judge(nullptr);
}

Verdict refuse_inbound(SessionManager& sm, const Packet& p) {
    switch (p.kind) {
        case stanza::Kind::kMessage:
            // §2.13: an error rather than a black hole (since XEP-0016 1.5).
            if (stanza::can_bounce(p.stanza)) {
                sm.route(stanza::error_reply(p.stanza, "service-unavailable"));
            }
            return Verdict::kHandled;
        case stanza::Kind::kIq:
            if (p.type() == "get" || p.type() == "set") {
                sm.route(stanza::error_reply(p.stanza, "service-unavailable"));
                return Verdict::kHandled;
            }
            return Verdict::kDrop;
        default:
            // Presence of any type: no answer, no error (§2.13).
            return Verdict::kDrop;
    }
}

Verdict refuse_outbound(SessionManager& sm, const Packet& p, Permit why) {
    if (stanza::can_bounce(p.stanza)) {
        // Straight to the session: from the peer's address, it would meet
        // the same refusal in the in chain.
        xml::Element reply =
            stanza::error_reply(p.stanza, "not-acceptable", {}, stanza::ErrorType::kCancel);
        if (why == Permit::kBlocked) {
            if (xml::Element* error = reply.child("error", ns::kClient)) {
                error->add("blocked", ns::kBlockingErrors);
            }
        }
        sm.send_to(*p.session, reply);
    }
    return Verdict::kHandled;
}

void enforce(SessionManager& sm, std::string_view module, int priority, Permit mine) {
    auto in = [&sm, mine](Packet& p) {
        // The server itself, and accounts that do not exist, have no lists.
        if (!p.user) return Verdict::kPass;
        return judge_inbound(sm, p) == mine ? refuse_inbound(sm, p) : Verdict::kPass;
    };
    auto out = [&sm, mine](Packet& p) {
        // A broadcast (no 'to') is judged per contact by presence.
        if (!p.to || !p.session) return Verdict::kPass;
        const Permit v = sm.permit(
            Exchange{*p.session->user, p.session, Direction::kOut, p.stanza, p.to->str()});
        return v == mine ? refuse_outbound(sm, p, v) : Verdict::kPass;
    };
    for (const std::string_view key : {"message", "iq", "presence"}) {
        sm.in().on(key, priority, module, in);
        sm.out().on(key, priority, module, out);
    }
}

// ---- presence after a change of rules -------------------------------------

PresenceWatch::PresenceWatch(SessionManager& sm, const User& user) : sm_(sm), user_(user) {
    look(hidden_from_, unheard_);
}

void PresenceWatch::look(Pairs& hidden_from, Pairs& unheard) const {
    const xml::Element notification("presence", ns::kClient);
    for (const Session* s : user_.available()) {
        for (const auto& [contact, item] : user_.roster) {
            if (item.from && !sm_.may_send(user_, s, notification, contact)) {
                hidden_from.emplace(s, contact);
            }
            if (item.to && !sm_.accepts(*s, notification, contact)) unheard.emplace(s, contact);
        }
        // RFC 6121 §4.6: those it sent directed presence to see it too.
        for (const std::string& target : s->directed) {
            if (!sm_.may_send(user_, s, notification, target)) hidden_from.emplace(s, target);
        }
    }
}

void PresenceWatch::settle() {
    Pairs hidden_from;
    Pairs unheard;
    look(hidden_from, unheard);
    for (const auto& [s, contact] : hidden_from) {
        if (!hidden_from_.count({s, contact})) {
            sm_.route(presence(s->jid.str(), contact, "unavailable"));
        }
    }
    for (const auto& [s, contact] : hidden_from_) {
        if (hidden_from.count({s, contact}) || !s->presence) continue;
        xml::Element p = *s->presence;
        p.set_attr("from", s->jid.str());
        p.set_attr("to", contact);
        sm_.route(std::move(p));
    }
    for (const auto& [s, contact] : unheard) {
        if (!unheard_.count({s, contact})) {
            sm_.send_to(*s, presence(contact, s->jid.str(), "unavailable"));
        }
    }
    StringSet probe;
    for (const auto& [s, contact] : unheard_) {
        if (!unheard.count({s, contact})) probe.insert(contact);
    }
    for (const std::string& contact : probe) {
        sm_.route(presence(user_.jid.str(), contact, "probe"));
    }
}

xml::Element push_to(const Session& session, xml::Element&& payload) {
    xml::Element iq("iq", ns::kClient);
    iq.set_attr("type", "set");
    iq.set_attr("id", "push-" + random_token(10));
    iq.set_attr("from", session.user->jid.str());
    iq.set_attr("to", session.jid.str());
    iq.add_child(std::move(payload));
    return iq;
}

}  // namespace jng::sm
