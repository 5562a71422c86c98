// Room: presence at occupant JIDs - entering (§7.2), changing nick (§7.6)
// or status (§7.7), leaving (§7.14) - and what a newcomer is sent.
#include "muc_ns.hpp"
#include "ns.hpp"
#include "room.hpp"
#include "secure_compare.hpp"

namespace jng::muc {
namespace {

// The part of a client's presence the room passes on: everything but the
// MUC payloads (the join's <x/>, and a muc#user <x/> only a room may send).
xml::Element passed_on(const xml::Element& presence) {
    xml::Element out("presence", jng::ns::kClient);
    for (const xml::Element& e : presence.elements()) {
        if (e.ns() == ns::kMuc || e.ns() == ns::kMucUser || e.name() == "error") continue;
        out.add_child(e);
    }
    return out;
}

bool blank(const std::string& nick) { return nick.find_first_not_of(' ') == std::string::npos; }

}  // namespace

void Room::handle_presence(const xml::Element& presence, const Jid& from, const Jid& to) {
    const std::string_view type = presence.attr("type");
    Occupant* me = find_real(from);
    if (type == "error") {
        // An error from an occupant's address means its client or server
        // is gone (XEP-0045: remove the occupant, status 333).
        if (me) {
            host_.log().debug("{}: {} answered with a presence error; removed (333)", jid_.str(),
                              me->nick);
            PresenceNote note;
            note.status = {status::kTechnicalReason};
            remove(me->nick, std::move(note));
        }
        return;
    }
    // Probes and subscription requests mean nothing to a room.
    if (!type.empty() && type != "unavailable") return;
    if (!to.has_resource()) {
        if (type.empty()) reply_error(presence, "jid-malformed", "a room is entered as room@service/nick");
        return;
    }
    const std::string& nick = to.resource();
    if (!me) {
        if (type.empty()) join(presence, from, nick, false);
        return;
    }
    if (type == "unavailable") {
        leave(me->nick, presence);
    } else if (nick != me->nick) {
        change_nick(me->nick, presence, nick);
    } else {
        update_presence(*me, presence);
    }
}

void Room::create(const xml::Element& presence, const Jid& from, const std::string& nick) {
    // §10.1.1: the creator is the room's first owner.
    affiliations_[from.bare_str()] = AffiliationEntry{Affiliation::kOwner, {}};
    changed();
    join(presence, from, nick, true);
}

std::optional<std::string> Room::refusal(const Jid& from, const std::string& nick,
                                         const xml::Element* muc) const {
    const Affiliation a = affiliation_of(from);
    if (blank(nick)) return "jid-malformed";  // §7.2.1: a nick, not only spaces
    // §7.2.11: until its owner configured it, a new room admits nobody else.
    if (state_ == State::kLocked && a != Affiliation::kOwner) return "item-not-found";
    if (a == Affiliation::kOutcast) return "forbidden";                               // §7.2.8
    if (config_.members_only && a < Affiliation::kMember) return "registration-required";  // §7.2.7
    if (occupants_.size() >= max_users() && a < Affiliation::kAdmin) {
        return "service-unavailable";  // §7.2.10
    }
    if (occupants_.count(nick)) return "conflict";  // §7.2.9
    if (config_.password_protected) {
        const std::string given = muc ? muc->child_text("password", ns::kMuc) : std::string();
        if (!constant_time_equal(given, config_.password)) return "not-authorized";  // §7.2.6
    }
    return std::nullopt;
}

void Room::join(const xml::Element& presence, const Jid& from, const std::string& nick,
                bool created) {
    const xml::Element* muc = presence.child("x", ns::kMuc);
    if (!created) {
        if (const auto why = refusal(from, nick, muc)) {
            // §7.2.10: a full room is a temporary condition.
            reply_error(presence, *why, {},
                        *why == "service-unavailable"
                            ? std::optional<stanza::ErrorType>(stanza::ErrorType::kWait)
                            : std::nullopt);
            return;
        }
    }
    Occupant fresh;
    fresh.nick = nick;
    fresh.jid = from;
    fresh.role = default_role(affiliation_of(from), config_.moderated);
    fresh.presence = passed_on(presence);
    Occupant& me = occupants_.emplace(nick, std::move(fresh)).first->second;

    // §7.2.3: the occupants already there, then the newcomer to everyone.
    for (const auto& [n, other] : occupants_) {
        if (&other == &me || !config_.presence_broadcast.contains(other.role)) continue;
        host_.send(presence_of(other, me, {}));
    }
    PresenceNote note;
    if (config_.whois == Whois::kAnyone) note.self_status.push_back(status::kNonAnonymous);
    if (config_.logging) note.self_status.push_back(status::kLoggingOn);
    if (created) note.self_status.push_back(status::kCreated);
    broadcast_presence(me, note, me.role);
    // §7.2.15, §7.2.16: history, then the subject, which ends the join.
    send_history(me, muc);
    send_subject(me);
    host_.log().debug("{}: {} entered as {} ({})", jid_.str(), from.str(), nick,
                      to_string(me.role));
}

void Room::send_history(const Occupant& to, const xml::Element* muc) {
    auto request = parse_history(muc ? muc->child("history", ns::kMuc) : nullptr);
    if (!request) {
        // A malformed limit is no reason to refuse the join: it is ignored.
        host_.log().debug("{}: {}: {}", jid_.str(), to.jid.str(), request.message());
        request = HistoryRequest{};
    }
    for (const HistoryEntry* entry : history_.select(*request, host_.now())) {
        xml::Element m = History::delayed(*entry, jid_.str());
        m.set_attr("to", to.jid.str());
        host_.send(std::move(m));
    }
}

void Room::send_subject(const Occupant& to) {
    xml::Element m("message", jng::ns::kClient);
    m.set_attr("from", subject_nick_.empty() ? jid_.str() : occupant_jid(subject_nick_));
    m.set_attr("to", to.jid.str());
    m.set_attr("type", "groupchat");
    // An empty <subject/> when there is none: it still ends the join.
    m.add("subject").add_text(subject_);
    host_.send(std::move(m));
}

void Room::leave(std::string nick, const xml::Element& presence) {
    Occupant& o = occupants_.at(nick);
    const Role was = o.role;
    o.role = Role::kNone;
    o.presence = passed_on(presence);  // the goodbye's status text
    PresenceNote note;
    note.unavailable = true;
    broadcast_presence(o, note, was);
    host_.log().debug("{}: {} left", jid_.str(), nick);
    occupants_.erase(nick);
}

void Room::change_nick(std::string nick, const xml::Element& presence,
                       const std::string& new_nick) {
    if (blank(new_nick)) {
        reply_error(presence, "jid-malformed");
        return;
    }
    if (occupants_.count(new_nick)) {
        reply_error(presence, "conflict");  // §7.6: from room@service/new_nick
        return;
    }
    // §7.6: unavailable from the old nick with 303 and the new one, then
    // available from the new nick.
    Occupant& o = occupants_.at(nick);
    o.presence.clear_children();
    PresenceNote gone;
    gone.unavailable = true;
    gone.status = {status::kNickChanged};
    gone.new_nick = new_nick;
    broadcast_presence(o, gone, o.role);
    auto node = occupants_.extract(nick);
    node.key() = new_nick;
    node.mapped().nick = new_nick;
    node.mapped().presence = passed_on(presence);
    Occupant& renamed = occupants_.insert(std::move(node)).position->second;
    broadcast_presence(renamed, {}, renamed.role);
}

void Room::update_presence(Occupant& o, const xml::Element& presence) {
    o.presence = passed_on(presence);
    broadcast_presence(o, {}, o.role);
}

}  // namespace jng::muc
