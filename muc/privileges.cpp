// The permission rules of XEP-0045 §5, as functions of affiliations and roles.
#include "privileges.hpp"

namespace jng::muc {

std::string_view to_string(Role role) {
    switch (role) {
        case Role::kNone: return "none";
        case Role::kVisitor: return "visitor";
        case Role::kParticipant: return "participant";
        case Role::kModerator: return "moderator";
    }
    return "none";
}

std::string_view to_string(Affiliation affiliation) {
    switch (affiliation) {
        case Affiliation::kOutcast: return "outcast";
        case Affiliation::kNone: return "none";
        case Affiliation::kMember: return "member";
        case Affiliation::kAdmin: return "admin";
        case Affiliation::kOwner: return "owner";
    }
    return "none";
}

std::optional<Role> parse_role(std::string_view text) {
    for (Role r : {Role::kNone, Role::kVisitor, Role::kParticipant, Role::kModerator}) {
        if (to_string(r) == text) return r;
    }
    return std::nullopt;
}

std::optional<Affiliation> parse_affiliation(std::string_view text) {
    for (Affiliation a : {Affiliation::kOutcast, Affiliation::kNone, Affiliation::kMember,
                          Affiliation::kAdmin, Affiliation::kOwner}) {
        if (to_string(a) == text) return a;
    }
    return std::nullopt;
}

std::string_view to_string(Whois whois) {
    return whois == Whois::kAnyone ? "anyone" : "moderators";
}

std::optional<Whois> parse_whois(std::string_view text) {
    if (text == "anyone") return Whois::kAnyone;
    if (text == "moderators") return Whois::kModerators;
    return std::nullopt;
}

bool RoleSet::contains(Role role) const {
    switch (role) {
        case Role::kModerator: return moderator;
        case Role::kParticipant: return participant;
        case Role::kVisitor: return visitor;
        case Role::kNone: return false;
    }
    return false;
}

void RoleSet::add(Role role) {
    switch (role) {
        case Role::kModerator: moderator = true; break;
        case Role::kParticipant: participant = true; break;
        case Role::kVisitor: visitor = true; break;
        case Role::kNone: break;
    }
}

std::string_view condition_of(Verdict verdict) {
    switch (verdict) {
        case Verdict::kAllowed: return {};
        case Verdict::kForbidden: return "forbidden";
        case Verdict::kNotAllowed: return "not-allowed";
    }
    return "forbidden";
}

Role default_role(Affiliation affiliation, bool moderated) {
    switch (affiliation) {
        case Affiliation::kOwner:
        case Affiliation::kAdmin: return Role::kModerator;
        case Affiliation::kMember: return Role::kParticipant;
        case Affiliation::kNone: return moderated ? Role::kVisitor : Role::kParticipant;
        case Affiliation::kOutcast: return Role::kNone;
    }
    return Role::kNone;
}

Verdict may_set_role(const Party& actor, const Party& target, Role role) {
    if (actor.role != Role::kModerator) return Verdict::kForbidden;
    switch (role) {
        case Role::kNone:
            // §8.2: kicking, by any moderator, of anyone not above them.
            return target.affiliation > actor.affiliation ? Verdict::kNotAllowed
                                                          : Verdict::kAllowed;
        case Role::kModerator:
            // §9.6: granting moderator status is for admins and owners.
            return actor.affiliation >= Affiliation::kAdmin ? Verdict::kAllowed
                                                            : Verdict::kForbidden;
        case Role::kParticipant:
        case Role::kVisitor:
            // §5.1.1 ***, §5.2.1 **: an admin or owner keeps voice and
            // moderator status whoever asks.
            if (target.affiliation >= Affiliation::kAdmin) return Verdict::kNotAllowed;
            // §9.7: revoking moderator status is for admins and owners.
            if (target.role == Role::kModerator && actor.affiliation < Affiliation::kAdmin) {
                return Verdict::kForbidden;
            }
            // §8.3, §8.4: voice is the moderators'.
            return Verdict::kAllowed;
    }
    return Verdict::kForbidden;
}

Verdict may_set_affiliation(Affiliation actor, Affiliation from, Affiliation to) {
    if (actor < Affiliation::kAdmin) return Verdict::kForbidden;
    if (actor == Affiliation::kOwner) return Verdict::kAllowed;
    // An admin: members, outcasts and the unaffiliated only (§9). An admin
    // or owner is above them (§9.1: not-allowed); granting admin or owner is
    // not theirs to do (§10.3, §10.6: forbidden).
    if (from >= Affiliation::kAdmin) return Verdict::kNotAllowed;
    if (to >= Affiliation::kAdmin) return Verdict::kForbidden;
    return Verdict::kAllowed;
}

Role role_after_affiliation(Role current, Affiliation from, Affiliation to, bool moderated,
                            bool members_only) {
    if (to == Affiliation::kOutcast) return Role::kNone;
    if (members_only && to < Affiliation::kMember) return Role::kNone;
    if (to >= Affiliation::kAdmin) return Role::kModerator;
    if (from >= Affiliation::kAdmin) return default_role(to, moderated);
    if (to == Affiliation::kMember && current == Role::kVisitor) return Role::kParticipant;
    return current;
}

bool may_speak(Role role) { return role >= Role::kParticipant; }

bool may_change_subject(Role role, bool occupants_may) {
    return role == Role::kModerator || (occupants_may && role >= Role::kParticipant);
}

bool may_see_real_jid(Role viewer, Whois whois) {
    return whois == Whois::kAnyone || viewer == Role::kModerator;
}

bool may_invite(const Party& inviter, bool allow_invites, bool members_only) {
    if (inviter.role == Role::kNone) return false;
    if (members_only) return inviter.affiliation >= Affiliation::kAdmin || allow_invites;
    return inviter.role == Role::kModerator || allow_invites;
}

bool may_get_member_list(const Party& who, const RoleSet& roles) {
    return who.affiliation >= Affiliation::kAdmin || roles.contains(who.role);
}

bool may_get_role_list(const Party& who) {
    return who.role == Role::kModerator || who.affiliation >= Affiliation::kAdmin;
}

bool may_get_affiliation_list(const Party& who, Affiliation list, const RoleSet& member_list_roles) {
    if (list == Affiliation::kMember) return may_get_member_list(who, member_list_roles);
    return who.affiliation >= Affiliation::kAdmin;
}

}  // namespace jng::muc
