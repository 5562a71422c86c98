// Roles and affiliations (XEP-0045 §5) and who may do what to whom: pure
// rules, no room state, so each table of the XEP is a unit test.
#pragma once

#include <optional>
#include <string_view>

namespace jng::muc {

// §5.1: temporary, for one visit.
enum class Role { kNone, kVisitor, kParticipant, kModerator };
// §5.2: lasting, by bare JID. Declared in rank order, lowest first.
enum class Affiliation { kOutcast, kNone, kMember, kAdmin, kOwner };

std::string_view to_string(Role role);
std::string_view to_string(Affiliation affiliation);
std::optional<Role> parse_role(std::string_view text);
std::optional<Affiliation> parse_affiliation(std::string_view text);

// Who may discover real JIDs (muc#roomconfig_whois, §10.2).
enum class Whois { kModerators, kAnyone };
std::string_view to_string(Whois whois);
std::optional<Whois> parse_whois(std::string_view text);

// A set of roles, for the configuration options that name some
// (presence broadcast, member list retrieval).
struct RoleSet {
    bool moderator = false;
    bool participant = false;
    bool visitor = false;
    static RoleSet all() { return {true, true, true}; }
    bool contains(Role role) const;
    void add(Role role);
    bool operator==(const RoleSet&) const = default;
};

// The outcome of a permission check, with the XEP's error for each refusal.
enum class Verdict {
    kAllowed,
    kForbidden,   // the actor lacks the privilege (§8, §9, §10: <forbidden/>)
    kNotAllowed,  // the target outranks the actor (<not-allowed/>)
};
// "forbidden", "not-allowed"; empty for kAllowed.
std::string_view condition_of(Verdict verdict);

// Someone in a room: an affiliation, and the role of the current visit
// (kNone for a user who is not in the room).
struct Party {
    Affiliation affiliation = Affiliation::kNone;
    Role role = Role::kNone;
};

// §5.1.2 / §5.2.1 footnote: the role a user enters with. An outcast does
// not enter (kNone).
Role default_role(Affiliation affiliation, bool moderated);

// §5.1.2 "Changing Roles": may `actor` give `target`, an occupant, the role
// `role`? Kick (kNone) and voice (kVisitor, kParticipant) belong to
// moderators; moderator status is granted and revoked by admins and owners.
// A moderator never acts on someone of a higher affiliation (§8.2), and the
// voice or moderator status of an admin or owner cannot be revoked at all
// (§5.1.1 ***, §5.2.1 **).
Verdict may_set_role(const Party& actor, const Party& target, Role role);

// §5.2.2 "Changing Affiliations": may an actor with affiliation `actor`
// change a user's affiliation from `from` to `to`? Admins manage members,
// outcasts and the unaffiliated; everything that touches admin or owner
// belongs to owners.
Verdict may_set_affiliation(Affiliation actor, Affiliation from, Affiliation to);

// §5.1.2 note: the role of an occupant whose affiliation changed to `to`.
// Admin and owner bring moderator; becoming a member in a moderated room
// brings voice; losing admin or owner falls back to what `to` enters with;
// kNone when the occupant must leave (banned; or not a member of a
// members-only room).
Role role_after_affiliation(Role current, Affiliation from, Affiliation to, bool moderated,
                            bool members_only);

// §5.1.1: who may do what in the room.
bool may_speak(Role role);  // send messages to all occupants
bool may_change_subject(Role role, bool occupants_may);
bool may_see_real_jid(Role viewer, Whois whois);
// §7.8.2: in a members-only room only those who may edit the member list
// invite, unless the room lets occupants invite; elsewhere moderators, or
// everyone when the room lets occupants invite.
bool may_invite(const Party& inviter, bool allow_invites, bool members_only);
// §9.5: admins and owners always; others when their role is configured.
bool may_get_member_list(const Party& who, const RoleSet& roles);
// §9.8, §8.5: the moderator and voice lists are for moderators (and for
// admins and owners, in the room or not).
bool may_get_role_list(const Party& who);
// §9.1-§10.8: the lists of outcasts, admins and owners are read by admins
// and owners; the member list also by the roles the room lets (§9.5).
bool may_get_affiliation_list(const Party& who, Affiliation list, const RoleSet& member_list_roles);

}  // namespace jng::muc
