// Room: messages - to all occupants (§7.4), the subject (§8.1), private
// messages (§7.5), mediated invitations and declines (§7.8.2) - and iq
// between occupants through their occupant JIDs.
#include <array>

#include "muc_ns.hpp"
#include "ns.hpp"
#include "room.hpp"
#include "stanza.hpp"
#include "xml/serializer.hpp"

namespace jng::muc {
namespace {

// Errors that say a stanza could not be delivered to an occupant: its
// session or server is gone, and so is the occupant.
bool delivery_error(std::string_view condition) {
    static constexpr std::array<std::string_view, 7> kDelivery = {
        "gone", "item-not-found", "recipient-unavailable", "redirect",
        "remote-server-not-found", "remote-server-timeout", "service-unavailable"};
    for (std::string_view c : kDelivery) {
        if (c == condition) return true;
    }
    return false;
}

}  // namespace

void Room::handle_message(const xml::Element& message, const Jid& from, const Jid& to) {
    const std::string_view type = message.attr("type");
    Occupant* sender = find_real(from);
    if (type == "error") {
        if (sender && delivery_error(stanza::error_condition(message))) {
            host_.log().debug("{}: a message to {} bounced ({}); removed (333)", jid_.str(),
                              sender->nick, stanza::error_condition(message));
            PresenceNote note;
            note.status = {status::kTechnicalReason};
            remove(sender->nick, std::move(note));
        }
        return;
    }
    if (to.has_resource()) {
        private_message(message, sender, to.resource());
        return;
    }
    if (type == "groupchat") {
        groupchat(message, sender);
        return;
    }
    if (const xml::Element* x = muc_user_of(message)) {
        if (x->child("invite", ns::kMucUser)) {
            invite(message, *x, sender);
            return;
        }
        if (x->child("decline", ns::kMucUser)) {
            decline(message, *x, from);
            return;
        }
    }
    reply_error(message, "bad-request",
                "a message to the room is groupchat, an invitation or a decline");
}

void Room::groupchat(const xml::Element& message, Occupant* sender) {
    // §7.4: only occupants speak in the room; a stranger's message is
    // never reflected.
    if (!sender) {
        reply_error(message, "not-acceptable", "only occupants may send messages to the room");
        return;
    }
    if (message.child("subject") && !message.child("body")) {
        change_subject(message, *sender);
        return;
    }
    if (!may_speak(sender->role)) {
        reply_error(message, "forbidden", "visitors may not speak in a moderated room");
        return;
    }
    if (xml::to_string(message).size() > host_.limits().max_message_bytes) {
        reply_error(message, "policy-violation", "the message is too large for this room");
        return;
    }
    xml::Element reflected = message;
    reflected.set_attr("from", occupant_jid(sender->nick));
    reflected.remove_attr("to");
    for (const auto& [nick, o] : occupants_) {
        xml::Element copy = reflected;
        copy.set_attr("to", o.jid.str());
        host_.send(std::move(copy));
    }
    const std::string body = message.child_text("body");
    if (!body.empty()) {
        // §7.2.13: a logged room says so to everyone entering (status 170).
        if (config_.logging) host_.log().info("{} <{}> {}", jid_.str(), sender->nick, body);
        history_.add(std::move(reflected), host_.now(), jid_.str());
    }
}

void Room::change_subject(const xml::Element& message, Occupant& sender) {
    // §8.1: moderators, and everyone with voice if the room allows it.
    if (!may_change_subject(sender.role, config_.change_subject)) {
        reply_error(message, "forbidden", "you may not change the subject of this room");
        return;
    }
    subject_ = message.child_text("subject");
    subject_nick_ = subject_.empty() ? std::string() : sender.nick;
    changed();
    xml::Element reflected = message;
    reflected.set_attr("from", occupant_jid(sender.nick));
    for (const auto& [nick, o] : occupants_) {
        xml::Element copy = reflected;
        copy.set_attr("to", o.jid.str());
        host_.send(std::move(copy));
    }
}

void Room::private_message(const xml::Element& message, Occupant* sender,
                           const std::string& nick) {
    // §7.5: a message of type groupchat belongs to the room, not to one
    // occupant.
    if (message.attr("type") == "groupchat") {
        reply_error(message, "bad-request", "groupchat messages go to the room");
        return;
    }
    if (!sender) {
        reply_error(message, "not-acceptable", "only occupants may send private messages");
        return;
    }
    const Occupant* target = find_nick(nick);
    if (!target) {
        reply_error(message, "item-not-found", "no occupant has this nick");
        return;
    }
    xml::Element pm = message;
    pm.set_attr("from", occupant_jid(sender->nick));
    pm.set_attr("to", target->jid.str());
    if (!muc_user_of(pm)) pm.add("x", ns::kMucUser);  // §7.5: marks it as from a room
    host_.send(std::move(pm));
}

void Room::invite(const xml::Element& message, const xml::Element& x, Occupant* sender) {
    if (!sender) {
        reply_error(message, "not-acceptable", "only occupants may invite");
        return;
    }
    // §7.8.2: in a members-only room invitations come from those who may
    // add members, unless the room lets occupants invite.
    const Party inviter{affiliation_of(sender->jid), sender->role};
    if (!may_invite(inviter, config_.allow_invites, config_.members_only)) {
        reply_error(message, "forbidden", "you may not invite others to this room");
        return;
    }
    std::vector<std::pair<Jid, std::string>> invitees;
    for (const xml::Element& inv : x.elements()) {
        if (!inv.is("invite", ns::kMucUser)) continue;
        auto to = Jid::parse(inv.attr("to"));
        if (!to) {
            reply_error(message, "jid-malformed", "an invitation needs a valid 'to'");
            return;
        }
        invitees.emplace_back(std::move(*to), inv.child_text("reason", ns::kMucUser));
    }
    for (const auto& [invitee, reason] : invitees) {
        // §7.8.2: the service MAY add the invitee to the member list of a
        // members-only room; it does, so the invitation can be accepted.
        if (config_.members_only && affiliation_of(invitee) == Affiliation::kNone) {
            affiliations_[invitee.bare_str()] = AffiliationEntry{Affiliation::kMember, {}};
            changed();
        }
        xml::Element m("message", jng::ns::kClient);
        m.set_attr("from", jid_.str());
        m.set_attr("to", invitee.str());
        if (const auto* id = message.find_attr("id")) m.set_attr("id", *id);
        xml::Element& ux = m.add("x", ns::kMucUser);
        xml::Element& inv = ux.add("invite", ns::kMucUser);
        inv.set_attr("from", sender->jid.str());
        if (!reason.empty()) inv.add_text_child("reason", reason);
        if (config_.password_protected) ux.add_text_child("password", config_.password);
        m.add_text_child("body", sender->jid.bare_str() + " invites you to the room " +
                                     jid_.str() + (reason.empty() ? "" : ": " + reason));
        host_.send(std::move(m));
        host_.log().debug("{}: {} invited {}", jid_.str(), sender->nick, invitee.str());
    }
}

void Room::decline(const xml::Element& message, const xml::Element& x, const Jid& from) {
    // §7.8.2: the invitee declines through the room, which tells the inviter.
    const xml::Element* d = x.child("decline", ns::kMucUser);
    auto to = Jid::parse(d->attr("to"));
    if (!to) {
        reply_error(message, "jid-malformed", "a decline needs a valid 'to'");
        return;
    }
    xml::Element m("message", jng::ns::kClient);
    m.set_attr("from", jid_.str());
    m.set_attr("to", to->str());
    xml::Element& dx = m.add("x", ns::kMucUser).add("decline", ns::kMucUser);
    dx.set_attr("from", from.bare_str());
    const std::string reason = d->child_text("reason", ns::kMucUser);
    if (!reason.empty()) dx.add_text_child("reason", reason);
    host_.send(std::move(m));
}

void Room::occupant_iq(const xml::Element& iq, const Jid& from, const std::string& nick) {
    const std::string_view type = iq.attr("type");
    Occupant* sender = find_real(from);
    Occupant* target = find_nick(nick);
    if (type == "result" || type == "error") {
        // An answer to a request we passed on: back to its asker, from the
        // answerer's occupant JID.
        if (sender && target) {
            xml::Element answer = iq;
            answer.set_attr("from", occupant_jid(sender->nick));
            answer.set_attr("to", target->jid.str());
            host_.send(std::move(answer));
        }
        return;
    }
    if (!sender) {
        reply_error(iq, "not-acceptable", "only occupants may address other occupants");
        return;
    }
    if (!target) {
        reply_error(iq, "item-not-found", "no occupant has this nick");
        return;
    }
    const xml::Element* payload = iq.first_element();
    if (target == sender && payload && payload->is("ping", jng::ns::kPing)) {
        // XEP-0410: a client asking whether it is still in the room.
        host_.send(stanza::iq_result(iq));
        return;
    }
    xml::Element request = iq;
    request.set_attr("from", occupant_jid(sender->nick));
    request.set_attr("to", target->jid.str());
    host_.send(std::move(request));
}

}  // namespace jng::muc
