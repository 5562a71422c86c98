// Room: the muc#owner requests - the configuration form (§10.1.2, §10.1.3,
// §10.2) and destruction (§10.9) - and who may see the room's disco#info.
#include "disco.hpp"
#include "muc_ns.hpp"
#include "ns.hpp"
#include "room.hpp"
#include "stanza.hpp"

namespace jng::muc {

void Room::owner_get(const xml::Element& iq, const Jid& from) {
    if (affiliation_of(from) != Affiliation::kOwner) {
        reply_error(iq, "forbidden", "only owners configure the room");
        return;
    }
    xml::Element r = stanza::iq_result(iq);
    r.add("query", ns::kMucOwner)
        .add_child(to_form(config_, FormKind::kForm, host_.limits().config, jid_.node()));
    host_.send(std::move(r));
}

void Room::owner_set(const xml::Element& iq, const Jid& from, const xml::Element& query) {
    if (affiliation_of(from) != Affiliation::kOwner) {
        reply_error(iq, "forbidden", "only owners configure or destroy the room");
        return;
    }
    if (const xml::Element* request = query.child("destroy", ns::kMucOwner)) {
        host_.log().info("{}: destroyed by {}", jid_.str(), from.str());
        destroy(request);
        host_.send(stanza::iq_result(iq));
        return;
    }
    const xml::Element* form = query.child("x", jng::ns::kDataForms);
    if (!form) {
        reply_error(iq, "bad-request", "a muc#owner set carries a data form or <destroy/>");
        return;
    }
    if (form->attr("type") == "cancel") {
        host_.send(stanza::iq_result(iq));
        // §10.1.3: cancelling the first configuration destroys the new room.
        if (state_ == State::kLocked) destroy(nullptr);
        return;
    }
    auto config = apply_form(config_, *form, host_.limits().config);
    if (!config) {
        reply_error(iq, "not-acceptable", config.message());
        return;
    }
    host_.send(stanza::iq_result(iq));
    configure(std::move(*config));
}

void Room::configure(RoomConfig config) {
    const RoomConfig before = std::exchange(config_, std::move(config));
    const bool first = state_ == State::kLocked;
    state_ = State::kOpen;  // §10.1.2, §10.1.3: configured, the room opens
    history_.set_capacity(config_.history_length);
    changed();

    // §10.2.1: the occupants learn that the configuration changed, and
    // what it means for their privacy.
    if (!first) {
        std::vector<int> codes{status::kConfigChanged};
        if (config_.logging != before.logging) {
            codes.push_back(config_.logging ? status::kLoggingOn : status::kLoggingOff);
        }
        if (config_.whois != before.whois) {
            codes.push_back(config_.whois == Whois::kAnyone ? status::kNowNonAnonymous
                                                            : status::kNowSemiAnonymous);
        }
        announce_status(codes);
    }
    // §9.4: a room that becomes members-only removes those who are not
    // members (322).
    if (config_.members_only && !before.members_only) {
        std::vector<std::string> outsiders;
        for (const auto& [nick, o] : occupants_) {
            if (affiliation_of(o.jid) < Affiliation::kMember) outsiders.push_back(nick);
        }
        for (const std::string& nick : outsiders) {
            PresenceNote note;
            note.status = {status::kMembersOnlyRemoved};
            remove(nick, std::move(note));
        }
    }
    // Without moderation nobody is a visitor: they get voice.
    if (before.moderated && !config_.moderated) {
        for (auto& [nick, o] : occupants_) {
            if (o.role != Role::kVisitor) continue;
            o.role = Role::kParticipant;
            broadcast_presence(o, {}, o.role);
        }
    }
}

void Room::destroy(const xml::Element* request) {
    // §10.9: every occupant leaves with the <destroy/>, its alternate venue
    // and reason.
    xml::Element d("destroy", ns::kMucUser);
    if (request) {
        if (const auto* alt = request->find_attr("jid")) d.set_attr("jid", *alt);
        const std::string reason = request->child_text("reason", ns::kMucOwner);
        if (!reason.empty()) d.add_text_child("reason", reason);
        const std::string password = request->child_text("password", ns::kMucOwner);
        if (!password.empty()) d.add_text_child("password", password);
    }
    std::vector<std::string> nicks;
    for (const auto& [nick, o] : occupants_) nicks.push_back(nick);
    for (const std::string& nick : nicks) {
        Occupant& o = occupants_.at(nick);
        o.role = Role::kNone;
        o.presence.clear_children();
        PresenceNote note;
        note.unavailable = true;
        note.destroy = d;
        // Everyone leaves: each occupant hears of its own exit only.
        host_.send(presence_of(o, o, note));
    }
    occupants_.clear();
    state_ = State::kDestroyed;
    changed();
}

void Room::disco_info(const xml::Element& iq, const Jid& from) {
    // §7.2.11: a room still being created is not there for others.
    if (state_ == State::kLocked && affiliation_of(from) != Affiliation::kOwner) {
        reply_error(iq, "item-not-found");
        return;
    }
    host_.send(room_info(iq, *this));
}

}  // namespace jng::muc
