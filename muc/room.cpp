// Room: state, addressing, affiliation lookup, and the presence an occupant
// is seen with. The protocol handlers are in room_presence.cpp,
// room_messages.cpp, room_admin.cpp and room_owner.cpp.
#include "room.hpp"

#include "muc_ns.hpp"
#include "ns.hpp"
#include "stanza.hpp"

namespace jng::muc {

Room::Room(RoomHost& host, Jid jid, RoomConfig config, State state, TimePoint created)
    : host_(host),
      jid_(std::move(jid)),
      config_(std::move(config)),
      state_(state),
      created_(created),
      history_(config_.history_length) {}

void Room::restore_affiliation(const std::string& jid, Affiliation affiliation,
                               std::string reason) {
    if (affiliation == Affiliation::kNone) return;
    affiliations_[jid] = AffiliationEntry{affiliation, std::move(reason)};
}

void Room::restore_subject(std::string subject, std::string nick) {
    subject_ = std::move(subject);
    subject_nick_ = std::move(nick);
}

bool Room::is_occupant(const Jid& real) const { return find_real(real) != nullptr; }

bool Room::finished() const {
    if (state_ == State::kDestroyed) return true;
    // A locked room is not stored, whatever its configuration says yet.
    return occupants_.empty() && (state_ == State::kLocked || !config_.persistent);
}

Affiliation Room::stored_affiliation(const std::string& bare) const {
    const auto it = affiliations_.find(bare);
    return it == affiliations_.end() ? Affiliation::kNone : it->second.affiliation;
}

Affiliation Room::affiliation_of(const Jid& user) const {
    if (host_.is_service_admin(user)) return Affiliation::kOwner;
    if (const auto it = affiliations_.find(user.bare_str()); it != affiliations_.end()) {
        return it->second.affiliation;
    }
    return stored_affiliation(user.domain());
}

Occupant* Room::find_nick(const std::string& nick) {
    const auto it = occupants_.find(nick);
    return it == occupants_.end() ? nullptr : &it->second;
}

Occupant* Room::find_real(const Jid& real) {
    for (auto& [nick, o] : occupants_) {
        if (o.jid == real) return &o;
    }
    return nullptr;
}

const Occupant* Room::find_real(const Jid& real) const {
    for (const auto& [nick, o] : occupants_) {
        if (o.jid == real) return &o;
    }
    return nullptr;
}

Party Room::party_of(const Jid& user) const {
    const Occupant* o = find_real(user);
    return Party{affiliation_of(user), o ? o->role : Role::kNone};
}

size_t Room::max_users() const {
    const size_t cap = host_.limits().config.max_users;
    return config_.max_users == 0 ? cap : std::min(config_.max_users, cap);
}

std::string Room::occupant_jid(const std::string& nick) const { return jid_.str() + "/" + nick; }

xml::Element Room::presence_of(const Occupant& about, const Occupant& to,
                               const PresenceNote& note) const {
    const bool self = &about == &to;
    xml::Element p("presence", jng::ns::kClient);
    p.set_attr("from", occupant_jid(about.nick));
    p.set_attr("to", to.jid.str());
    if (note.unavailable) p.set_attr("type", "unavailable");
    for (const xml::Node& n : about.presence.children()) p.children().push_back(n);

    xml::Element x = muc_user_x();
    ItemInfo item;
    item.affiliation = affiliation_of(about.jid);
    item.role = about.role;
    // §7.2.3/§7.2.4: moderators of a semi-anonymous room, everyone in a
    // non-anonymous one, and the occupant itself see the real JID.
    if (self || may_see_real_jid(to.role, config_.whois)) item.jid = about.jid.str();
    item.nick = note.new_nick;
    if (self) item.actor_nick = note.actor_nick;
    item.reason = note.reason;
    add_item(x, item);
    if (note.destroy) x.add_child(*note.destroy);
    for (int code : note.status) add_status(x, code);
    if (self) {
        for (int code : note.self_status) add_status(x, code);
        add_status(x, status::kSelf);
    }
    p.add_child(std::move(x));
    return p;
}

void Room::broadcast_presence(const Occupant& about, const PresenceNote& note, Role visible_as) {
    // Everyone else first: the occupant's own presence ends a join (§7.2.3)
    // and is what clients wait for.
    const bool visible = config_.presence_broadcast.contains(visible_as);
    for (const auto& [nick, o] : occupants_) {
        if (&o == &about || !visible) continue;
        host_.send(presence_of(about, o, note));
    }
    host_.send(presence_of(about, about, note));
}

void Room::remove(std::string nick, PresenceNote note) {
    const auto it = occupants_.find(nick);
    if (it == occupants_.end()) return;
    Occupant& o = it->second;
    const Role was = o.role;
    o.role = Role::kNone;
    note.unavailable = true;
    // Removed by the room or someone else: what the occupant last said is
    // not part of it.
    o.presence.clear_children();
    broadcast_presence(o, note, was);
    occupants_.erase(it);
}

void Room::announce_status(const std::vector<int>& codes) {
    for (const auto& [nick, o] : occupants_) {
        xml::Element m("message", jng::ns::kClient);
        m.set_attr("from", jid_.str());
        m.set_attr("to", o.jid.str());
        m.set_attr("type", "groupchat");
        xml::Element& x = m.add("x", ns::kMucUser);
        for (int code : codes) add_status(x, code);
        host_.send(std::move(m));
    }
}

void Room::reply_error(const xml::Element& stanza, std::string_view condition,
                       std::string_view text, std::optional<stanza::ErrorType> type) {
    if (!stanza::can_bounce(stanza)) return;
    host_.send(stanza::error_reply(stanza, condition, text, type));
}

void Room::shutdown() {
    // Each occupant hears of its own exit only: everyone is leaving.
    for (auto& [nick, o] : occupants_) {
        o.role = Role::kNone;
        o.presence.clear_children();
        PresenceNote note;
        note.unavailable = true;
        note.self_status = {status::kShutdown};
        host_.send(presence_of(o, o, note));
    }
    occupants_.clear();
}

void Room::handle_iq(const xml::Element& iq, const Jid& from, const Jid& to) {
    if (to.has_resource()) {
        occupant_iq(iq, from, to.resource());
        return;
    }
    const std::string_view type = iq.attr("type");
    if (type == "result" || type == "error") return;  // the room asks nothing
    if (const std::string_view problem = stanza::iq_problem(iq); !problem.empty()) {
        if (!iq.attr("id").empty()) reply_error(iq, "bad-request", problem);
        return;
    }
    const xml::Element& payload = *iq.first_element();
    const bool get = type == "get";
    if (payload.is("query", jng::ns::kDiscoInfo) && get) {
        disco_info(iq, from);
    } else if (payload.is("query", jng::ns::kDiscoItems) && get) {
        // §6.5: occupants are not listed; their presence is for those inside.
        xml::Element r = stanza::iq_result(iq);
        r.add("query", jng::ns::kDiscoItems);
        host_.send(std::move(r));
    } else if (payload.is("query", ns::kMucAdmin)) {
        get ? admin_get(iq, from, payload) : admin_set(iq, from, payload);
    } else if (payload.is("query", ns::kMucOwner)) {
        get ? owner_get(iq, from) : owner_set(iq, from, payload);
    } else if (payload.is("ping", jng::ns::kPing) && get) {
        host_.send(stanza::iq_result(iq));  // XEP-0199 to the room itself
    } else {
        reply_error(iq, "service-unavailable");  // RFC 6120 §8.4
    }
}

}  // namespace jng::muc
