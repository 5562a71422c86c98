// Room: the muc#admin requests - roles (kick, voice, moderator: §8.2-§8.5,
// §9.6-§9.8) and affiliations (ban, membership, admin, owner: §9.1-§9.5,
// §10.3-§10.8) - and what each change does to the occupants.
#include <set>

#include "muc_ns.hpp"
#include "room.hpp"
#include "stanza.hpp"

namespace jng::muc {
namespace {

// One <item/> of a muc#admin set, read.
struct Change {
    bool is_role = false;
    Role role = Role::kNone;
    Affiliation affiliation = Affiliation::kNone;
    std::string nick;  // role changes; affiliation changes by nick
    std::string bare;  // affiliation changes: the bare JID or domain
    std::string reason;
};

// A JID an affiliation is kept for: a bare JID, or a domain for all its users.
std::optional<std::string> affiliation_key(std::string_view text) {
    auto jid = Jid::parse(text);
    if (!jid) return std::nullopt;
    return jid->bare_str();
}

}  // namespace

void Room::admin_get(const xml::Element& iq, const Jid& from, const xml::Element& query) {
    const xml::Element* item = query.child("item", ns::kMucAdmin);
    if (!item) {
        reply_error(iq, "bad-request", "ask for one <item affiliation=/> or <item role=/>");
        return;
    }
    const Party asker = party_of(from);
    xml::Element r = stanza::iq_result(iq);
    xml::Element& q = r.add("query", ns::kMucAdmin);
    if (item->has_attr("affiliation")) {
        const auto list = parse_affiliation(item->attr("affiliation"));
        if (!list || *list == Affiliation::kNone) {
            reply_error(iq, "bad-request", "no such affiliation list");
            return;
        }
        if (!may_get_affiliation_list(asker, *list, config_.member_list_roles)) {
            reply_error(iq, "forbidden");
            return;
        }
        for (const auto& [jid, entry] : affiliations_) {
            if (entry.affiliation != *list) continue;
            xml::Element& i = q.add("item", ns::kMucAdmin);
            i.set_attr("affiliation", to_string(entry.affiliation));
            i.set_attr("jid", jid);
            // §9.5: the nick of a member who is in the room.
            for (const auto& [nick, o] : occupants_) {
                if (o.jid.bare_str() == jid) {
                    i.set_attr("nick", nick);
                    break;
                }
            }
            if (!entry.reason.empty()) i.add_text_child("reason", entry.reason);
        }
    } else if (item->has_attr("role")) {
        const auto list = parse_role(item->attr("role"));
        if (!list || *list == Role::kNone) {
            reply_error(iq, "bad-request", "no such role list");
            return;
        }
        if (!may_get_role_list(asker)) {
            reply_error(iq, "forbidden");
            return;
        }
        for (const auto& [nick, o] : occupants_) {
            if (o.role != *list) continue;
            xml::Element& i = q.add("item", ns::kMucAdmin);
            i.set_attr("affiliation", to_string(affiliation_of(o.jid)));
            i.set_attr("role", to_string(o.role));
            i.set_attr("nick", nick);
            if (may_see_real_jid(asker.role, config_.whois)) i.set_attr("jid", o.jid.str());
        }
    } else {
        reply_error(iq, "bad-request", "ask for one <item affiliation=/> or <item role=/>");
        return;
    }
    host_.send(std::move(r));
}

void Room::admin_set(const xml::Element& iq, const Jid& from, const xml::Element& query) {
    const Party actor = party_of(from);
    const Occupant* actor_occupant = find_real(from);
    const std::string actor_nick = actor_occupant ? actor_occupant->nick : std::string();

    // Every item is read and checked before any is applied: a request is
    // done whole or not at all.
    std::vector<Change> changes;
    for (const xml::Element& item : query.elements()) {
        if (!item.is("item", ns::kMucAdmin)) continue;
        Change c;
        c.reason = item.child_text("reason", ns::kMucAdmin);
        c.nick = std::string(item.attr("nick"));
        const bool has_role = item.has_attr("role");
        const bool has_affiliation = item.has_attr("affiliation");
        // An item changes a role or an affiliation, never both (XEP-0045
        // has disallowed both at once since version 0.16).
        if (has_role == has_affiliation) {
            reply_error(iq, "bad-request", "an item changes either a role or an affiliation");
            return;
        }
        if (has_role) {
            const auto role = parse_role(item.attr("role"));
            if (!role || c.nick.empty()) {
                reply_error(iq, "bad-request", "a role change needs a role and a nick");
                return;
            }
            const Occupant* target = find_nick(c.nick);
            if (!target) {
                reply_error(iq, "item-not-found", "no occupant has the nick " + c.nick);
                return;
            }
            const Verdict v = may_set_role(
                actor, Party{affiliation_of(target->jid), target->role}, *role);
            if (v != Verdict::kAllowed) {
                reply_error(iq, condition_of(v));
                return;
            }
            c.is_role = true;
            c.role = *role;
        } else {
            const auto affiliation = parse_affiliation(item.attr("affiliation"));
            if (!affiliation) {
                reply_error(iq, "bad-request", "no such affiliation");
                return;
            }
            if (item.has_attr("jid")) {
                const auto key = affiliation_key(item.attr("jid"));
                if (!key) {
                    reply_error(iq, "jid-malformed");
                    return;
                }
                c.bare = *key;
            } else if (const Occupant* o = find_nick(c.nick); o && !c.nick.empty()) {
                c.bare = o->jid.bare_str();
            } else {
                reply_error(iq, c.nick.empty() ? "bad-request" : "item-not-found",
                            "an affiliation change needs a jid or the nick of an occupant");
                return;
            }
            const Verdict v = may_set_affiliation(actor.affiliation, stored_affiliation(c.bare),
                                                  *affiliation);
            if (v != Verdict::kAllowed) {
                reply_error(iq, condition_of(v));
                return;
            }
            c.affiliation = *affiliation;
        }
        changes.push_back(std::move(c));
    }
    if (changes.empty()) {
        reply_error(iq, "bad-request", "no <item/> to change");
        return;
    }
    // §10.4: a room always keeps an owner.
    std::set<std::string> owners;
    for (const auto& [jid, entry] : affiliations_) {
        if (entry.affiliation == Affiliation::kOwner) owners.insert(jid);
    }
    for (const Change& c : changes) {
        if (c.is_role) continue;
        if (c.affiliation == Affiliation::kOwner) {
            owners.insert(c.bare);
        } else {
            owners.erase(c.bare);
        }
    }
    if (owners.empty()) {
        reply_error(iq, "conflict", "the room would have no owner left");
        return;
    }
    for (const Change& c : changes) {
        if (c.is_role) {
            set_role(c.nick, c.role, actor_nick, c.reason);
        } else {
            set_affiliation(c.bare, c.affiliation, actor_nick, c.reason);
        }
    }
    host_.send(stanza::iq_result(iq));
}

void Room::set_role(std::string nick, Role role, const std::string& actor_nick,
                    const std::string& reason) {
    Occupant* o = find_nick(nick);
    if (!o) return;  // an earlier item of the same request removed it
    PresenceNote note;
    note.reason = reason;
    if (role == Role::kNone) {
        // §8.2: kicked.
        note.status = {status::kKicked};
        note.actor_nick = actor_nick;
        host_.log().info("{}: {} kicked by {}", jid_.str(), nick, actor_nick);
        remove(nick, std::move(note));
        return;
    }
    const Role was = o->role;
    o->role = role;
    // Those who saw the occupant before or see it now learn of the change.
    broadcast_presence(*o, note, config_.presence_broadcast.contains(was) ? was : role);
}

void Room::set_affiliation(const std::string& bare, Affiliation affiliation,
                           const std::string& actor_nick, const std::string& reason) {
    // The occupants the change touches, with their affiliation before it
    // (a domain's affiliation reaches everyone of it without one of their own).
    std::vector<std::pair<std::string, Affiliation>> touched;
    for (const auto& [nick, o] : occupants_) {
        if (o.jid.bare_str() == bare || o.jid.domain() == bare) {
            touched.emplace_back(nick, affiliation_of(o.jid));
        }
    }
    if (affiliation == Affiliation::kNone) {
        affiliations_.erase(bare);
    } else {
        affiliations_[bare] = AffiliationEntry{affiliation, reason};
    }
    changed();
    host_.log().info("{}: {} is now {} (by {})", jid_.str(), bare, to_string(affiliation),
                     actor_nick.empty() ? std::string("an admin outside the room") : actor_nick);

    for (const auto& [nick, before] : touched) {
        Occupant* o = find_nick(nick);
        if (!o) continue;
        const Affiliation after = affiliation_of(o->jid);
        if (after == before) continue;
        const Role role = role_after_affiliation(o->role, before, after, config_.moderated,
                                                 config_.members_only);
        PresenceNote note;
        note.reason = reason;
        if (role == Role::kNone) {
            // §9.1: banned (301); §9.4: no longer a member of a members-only
            // room (321).
            note.status = {after == Affiliation::kOutcast ? status::kBanned
                                                          : status::kAffiliationRemoved};
            note.actor_nick = actor_nick;
            remove(nick, std::move(note));
            continue;
        }
        const Role was = o->role;
        o->role = role;
        broadcast_presence(*o, note, config_.presence_broadcast.contains(was) ? was : role);
    }
}

}  // namespace jng::muc
