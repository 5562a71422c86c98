// presence: RFC 6121 §3 and §4 - subscriptions (through the Appendix A state
// machine in subscription.cpp), initial presence with probes, broadcasts,
// directed presence, probe answers, and unavailable when a session ends.
#include "module.hpp"
#include "ns.hpp"
#include "roster_util.hpp"
#include "sm.hpp"
#include "stanza.hpp"
#include "subscription.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

namespace jng::sm {
namespace {

xml::Element presence_to(const xml::Element& original, std::string_view from, std::string_view to) {
    xml::Element p = original;
    p.set_attr("from", from);
    p.set_attr("to", to);
    return p;
}

xml::Element bare_presence(std::string_view from, std::string_view to, std::string_view type) {
    xml::Element p("presence", ns::kClient);
    p.set_attr("from", from);
    p.set_attr("to", to);
    if (!type.empty()) p.set_attr("type", type);
    return p;
}

class PresenceModule final : public Module {
public:
    std::string_view name() const override { return "presence"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        sm.out().on("presence/none", 0, name(), [this](Packet& p) { return broadcast(p); });
        sm.out().on("presence", 0, name(), [this](Packet& p) { return outbound(p); });
        sm.in().on("presence", 0, name(), [this](Packet& p) { return inbound(p); });
        sm.session_ending.add(0, std::string(name()), [this](Session& s) { ending(s); });
    }

private:
    // Presence of the user's (from one of its sessions, or from the account
    // when `from` is nullptr) on its way to one contact, unless the user's
    // privacy rules withhold it from them (docs/privacy.md).
    void send_out(const User& user, const Session* from, xml::Element&& presence) {
        if (sm_->may_send(user, from, presence, presence.attr("to"))) {
            sm_->route(std::move(presence));
        }
    }

    // ---- what a session sends ------------------------------------------

    Verdict broadcast(Packet& p) {
        Session& s = *p.session;
        const std::string_view type = p.type();
        if (type.empty()) {
            available(s, std::move(p.stanza));
        } else if (type == "unavailable") {
            unavailable(s, p.stanza);
        }
        // probe, error or a subscription type without 'to' mean nothing.
        return Verdict::kHandled;
    }

    void available(Session& s, xml::Element&& stanza) {
        User& user = *s.user;
        int priority = 0;
        const std::string prio = stanza.child_text("priority");
        if (!prio.empty()) {
            try {
                priority = std::clamp(std::stoi(prio), -128, 127);
            } catch (...) {
                priority = 0;
            }
        }
        stanza.remove_attr("to");
        stanza.set_attr("from", s.jid.str());
        const bool initial = !s.available;
        s.available = true;
        s.priority = priority;
        s.presence = stanza;
        // RFC 6121 §4.2.2 / §4.4.2: to every contact with a subscription
        // 'from', and to all of the user's available resources (this one too).
        for (const auto& [jid, item] : user.roster) {
            if (item.from) send_out(user, &s, presence_to(stanza, s.jid.str(), jid));
        }
        for (Session* other : user.available()) sm_->send_to(*other, presence_to(stanza, s.jid.str(), other->jid.str()));
        if (!initial) return;
        // §4.2.2: probe the contacts whose presence we are subscribed to.
        for (const auto& [jid, item] : user.roster) {
            if (item.to) send_out(user, &s, bare_presence(user.jid.str(), jid, "probe"));
        }
        // The user's other resources, and requests still waiting for an answer (§3.1.3).
        for (Session* other : user.available()) {
            if (other != &s && other->presence) {
                sm_->send_to(s, presence_to(*other->presence, other->jid.str(), s.jid.str()));
            }
        }
        for (const auto& [jid, item] : user.roster) {
            if (item.pending_in.empty()) continue;
            if (auto stored = xml::parse_element(item.pending_in)) {
                stored->set_attr("to", user.jid.str());
                if (sm_->accepts(s, *stored, jid)) sm_->send_to(s, *stored);
            }
        }
        sm_->initial_presence.run(s);
    }

    void unavailable(Session& s, const xml::Element& stanza) {
        if (!s.available && s.directed.empty()) return;
        User& user = *s.user;
        xml::Element p = stanza;
        p.set_attr("type", "unavailable");
        p.remove_attr("to");
        p.remove_children("priority");
        if (s.available) {
            for (const auto& [jid, item] : user.roster) {
                if (item.from) send_out(user, &s, presence_to(p, s.jid.str(), jid));
            }
            for (Session* other : user.available()) {
                sm_->send_to(*other, presence_to(p, s.jid.str(), other->jid.str()));
            }
        }
        // §4.6.3: those who got directed presence learn we left, too.
        for (const std::string& target : s.directed) {
            const storage::RosterItem* item = user.item(Jid::parse(target).value_or(Jid()).bare_str());
            if (!(s.available && item && item->from)) {
                send_out(user, &s, presence_to(p, s.jid.str(), target));
            }
        }
        s.directed.clear();
        s.available = false;
        s.presence.reset();
    }

    void ending(Session& s) {
        xml::Element p("presence", ns::kClient);
        p.set_attr("type", "unavailable");
        unavailable(s, p);
    }

    Verdict outbound(Packet& p) {
        if (!p.to) return Verdict::kPass;
        SubType sub;
        const std::string_view type = p.type();
        if (parse_sub_type(type, sub)) return subscription_out(p, sub);
        if (type == "probe") return Verdict::kDrop;  // a server's job, not a client's
        if (type.empty() || type == "unavailable") {
            // §4.6: directed presence; remember who got it.
            const std::string target = p.to->str();
            if (type.empty()) {
                p.session->directed.insert(target);
            } else {
                p.session->directed.erase(target);
            }
        }
        return Verdict::kPass;
    }

    Verdict subscription_out(Packet& p, SubType sub) {
        User& user = *p.session->user;
        const std::string contact = p.to->bare_str();
        if (contact == user.jid.str()) return Verdict::kDrop;
        storage::RosterItem item;
        if (const storage::RosterItem* existing = user.item(contact)) {
            item = *existing;
        } else {
            item.jid = contact;
            item.hidden = true;  // not in the roster (yet)
        }
        const bool was_hidden = item.hidden;
        const bool was_subscriber = item.from;
        const SubOutcome out = sm::outbound(SubState::of(item), sub);
        out.state.apply_to(item);
        // §3.1.2: a subscribe to someone not in the roster adds them; so does
        // approving their request (§3.1.5: a request alone made no roster
        // item, §3.1.3) or pre-approving one (§3.4.1). Cancelling adds no one.
        if (sub == SubType::kSubscribe || sub == SubType::kSubscribed) item.hidden = false;
        if (out.changed || item.hidden != was_hidden) update_item(user, item);
        if (!out.forward) return Verdict::kHandled;
        // §3.1.2 etc.: subscription stanzas carry the bare JID.
        xml::Element s = p.stanza;
        s.set_attr("from", user.jid.str());
        s.set_attr("to", contact);
        sm_->route(std::move(s));
        if (sub == SubType::kSubscribed) {
            // §3.1.5: the new subscriber gets our current presence at once.
            for (Session* r : user.available()) {
                send_out(user, r, presence_to(*r->presence, r->jid.str(), contact));
            }
        } else if (sub == SubType::kUnsubscribed && was_subscriber) {
            // §3.2.2: and a former one learns we are gone for them. Someone
            // whose request is declined never had our presence: they learn
            // nothing, not even which resources are online.
            for (Session* r : user.available()) {
                send_out(user, r, bare_presence(r->jid.str(), contact, "unavailable"));
            }
        }
        return Verdict::kHandled;
    }

    // ---- what arrives for a local user ---------------------------------

    Verdict inbound(Packet& p) {
        if (!p.user) {
            // RFC 6121 §8.5.1: presence for an account that does not exist is ignored.
            return p.to->is_domain() ? Verdict::kPass : Verdict::kDrop;
        }
        User& user = *p.user;
        SubType sub;
        const std::string_view type = p.type();
        if (parse_sub_type(type, sub)) return subscription_in(p, sub);
        if (type == "probe") return probe(p);
        // Available, unavailable or error presence: delivered, never stored (§8.5).
        if (p.to->is_bare()) {
            for (Session* s : user.available()) {
                if (!sm_->accepts(*s, p.stanza, p.from.str())) continue;
                sm_->send_to(*s, presence_to(p.stanza, p.from.str(), s->jid.str()));
            }
        } else if (Session* s = user.session_for(p.to->resource())) {
            sm_->send_to(*s, p.stanza);
        }
        return Verdict::kHandled;
    }

    Verdict subscription_in(Packet& p, SubType sub) {
        User& user = *p.user;
        const std::string contact = p.from.bare_str();
        storage::RosterItem item;
        const bool existed = user.item(contact) != nullptr;
        if (existed) {
            item = *user.item(contact);
        } else {
            item.jid = contact;
            item.hidden = true;  // §3.1.3: not a roster item until the user says so
        }
        const bool was_subscriber = item.from;
        const SubOutcome in = sm::inbound(SubState::of(item), sub);
        in.state.apply_to(item);
        xml::Element s = p.stanza;
        s.set_attr("from", contact);
        s.set_attr("to", user.jid.str());
        if (sub == SubType::kSubscribe && in.forward) item.pending_in = xml::to_string(s);
        if (in.changed) update_item(user, item);
        if (in.auto_reply) {
            // §3.1.3: already subscribed or pre-approved: answer for the user.
            send_out(user, nullptr, bare_presence(user.jid.str(), contact, "subscribed"));
            for (Session* r : user.available()) {
                send_out(user, r, presence_to(*r->presence, r->jid.str(), contact));
            }
        }
        if (!in.forward) return Verdict::kHandled;
        for (Session* r : user.available()) {
            if (!sm_->accepts(*r, s, contact)) continue;
            sm_->send_to(*r, presence_to(s, contact, r->jid.str()));
        }
        if (sub == SubType::kUnsubscribe && was_subscriber) {
            // §3.3.3: the former subscriber sees us go offline (a contact
            // withdrawing a mere request never saw us online).
            for (Session* r : user.available()) {
                send_out(user, r, bare_presence(r->jid.str(), contact, "unavailable"));
            }
        }
        return Verdict::kHandled;
    }

    // Stores a changed item and pushes it. An item that is only server-side
    // state and holds nothing any more (a request cancelled or declined)
    // goes away instead.
    void update_item(User& user, const storage::RosterItem& item) {
        if (item.hidden && !item.to && !item.from && item.pending_in.empty() && !item.approved &&
            item.ask == storage::RosterItem::Ask::kNone) {
            const std::string contact = item.jid;
            user.roster.erase(contact);
            sm_->remove_roster_item(user, contact);
            return;
        }
        save_and_push(*sm_, user, item);
    }

    Verdict probe(Packet& p) {
        User& user = *p.user;
        const storage::RosterItem* item = user.item(p.from.bare_str());
        // §4.3.2: only subscribers learn our presence; others hear nothing.
        const bool self = p.from.bare() == user.jid;
        if (!self && !(item && item->from)) return Verdict::kDrop;
        const auto available = user.available();
        if (available.empty()) {
            send_out(user, nullptr, bare_presence(user.jid.str(), p.from.str(), "unavailable"));
            return Verdict::kHandled;
        }
        for (Session* r : available) {
            send_out(user, r, presence_to(*r->presence, r->jid.str(), p.from.str()));
        }
        return Verdict::kHandled;
    }

    SessionManager* sm_ = nullptr;
};

}  // namespace

std::unique_ptr<Module> make_presence_module() { return std::make_unique<PresenceModule>(); }

}  // namespace jng::sm
