// XEP-0045 §5: who may do what to whom, table by table.
#include <catch.hpp>

#include "privileges.hpp"

using namespace jng::muc;

namespace {
constexpr Affiliation kOutcast = Affiliation::kOutcast;
constexpr Affiliation kNone = Affiliation::kNone;
constexpr Affiliation kMember = Affiliation::kMember;
constexpr Affiliation kAdmin = Affiliation::kAdmin;
constexpr Affiliation kOwner = Affiliation::kOwner;

Party moderator(Affiliation a) { return {a, Role::kModerator}; }
Party participant(Affiliation a) { return {a, Role::kParticipant}; }
Party visitor(Affiliation a) { return {a, Role::kVisitor}; }
}  // namespace

TEST_CASE("muc: roles and affiliations by name", "[muc][privileges]") {
    for (Role r : {Role::kNone, Role::kVisitor, Role::kParticipant, Role::kModerator}) {
        CHECK(parse_role(to_string(r)) == r);
    }
    for (Affiliation a : {kOutcast, kNone, kMember, kAdmin, kOwner}) {
        CHECK(parse_affiliation(to_string(a)) == a);
    }
    CHECK(to_string(kOutcast) == "outcast");
    CHECK(to_string(Role::kModerator) == "moderator");
    CHECK_FALSE(parse_role("king").has_value());
    CHECK_FALSE(parse_affiliation("Owner").has_value());
    CHECK(parse_whois("anyone") == Whois::kAnyone);
    CHECK(parse_whois("moderators") == Whois::kModerators);
    CHECK_FALSE(parse_whois("nobody").has_value());
}

TEST_CASE("muc: the role a user enters with (§5.2.1 footnote)", "[muc][privileges]") {
    CHECK(default_role(kOwner, false) == Role::kModerator);
    CHECK(default_role(kAdmin, true) == Role::kModerator);
    CHECK(default_role(kMember, true) == Role::kParticipant);
    CHECK(default_role(kNone, false) == Role::kParticipant);
    CHECK(default_role(kNone, true) == Role::kVisitor);
    CHECK(default_role(kOutcast, false) == Role::kNone);
}

TEST_CASE("muc: kicking (§8.2): moderators, of nobody above them", "[muc][privileges]") {
    // actor affiliation x target affiliation: allowed iff target <= actor.
    for (Affiliation actor : {kNone, kMember, kAdmin, kOwner}) {
        for (Affiliation target : {kNone, kMember, kAdmin, kOwner}) {
            INFO(to_string(actor) << " kicks " << to_string(target));
            const Verdict v = may_set_role(moderator(actor), participant(target), Role::kNone);
            CHECK(v == (target <= actor ? Verdict::kAllowed : Verdict::kNotAllowed));
        }
    }
    // Not a moderator: no kicking at all, whatever the affiliation.
    CHECK(may_set_role(participant(kOwner), participant(kNone), Role::kNone) == Verdict::kForbidden);
    CHECK(may_set_role(visitor(kMember), visitor(kNone), Role::kNone) == Verdict::kForbidden);
    CHECK(may_set_role(Party{kAdmin, Role::kNone}, visitor(kNone), Role::kNone) ==
          Verdict::kForbidden);
}

TEST_CASE("muc: voice (§8.3, §8.4): moderators; never revoked from admins and owners",
          "[muc][privileges]") {
    CHECK(may_set_role(moderator(kNone), visitor(kNone), Role::kParticipant) == Verdict::kAllowed);
    CHECK(may_set_role(moderator(kNone), participant(kMember), Role::kVisitor) ==
          Verdict::kAllowed);
    CHECK(may_set_role(participant(kNone), visitor(kNone), Role::kParticipant) ==
          Verdict::kForbidden);
    // §5.1.1 ***: even an owner cannot make an admin a visitor.
    CHECK(may_set_role(moderator(kOwner), moderator(kAdmin), Role::kVisitor) ==
          Verdict::kNotAllowed);
    CHECK(may_set_role(moderator(kOwner), moderator(kOwner), Role::kVisitor) ==
          Verdict::kNotAllowed);
}

TEST_CASE("muc: moderator status (§9.6, §9.7): granted and revoked by admins and owners",
          "[muc][privileges]") {
    CHECK(may_set_role(moderator(kAdmin), participant(kNone), Role::kModerator) ==
          Verdict::kAllowed);
    CHECK(may_set_role(moderator(kOwner), visitor(kMember), Role::kModerator) == Verdict::kAllowed);
    CHECK(may_set_role(moderator(kMember), participant(kNone), Role::kModerator) ==
          Verdict::kForbidden);
    CHECK(may_set_role(moderator(kAdmin), moderator(kMember), Role::kParticipant) ==
          Verdict::kAllowed);
    // A moderator without affiliation cannot demote another moderator.
    CHECK(may_set_role(moderator(kNone), moderator(kNone), Role::kParticipant) ==
          Verdict::kForbidden);
    // §5.2.1 **: an admin or owner stays a moderator.
    CHECK(may_set_role(moderator(kOwner), moderator(kAdmin), Role::kParticipant) ==
          Verdict::kNotAllowed);
    CHECK(may_set_role(moderator(kAdmin), moderator(kOwner), Role::kParticipant) ==
          Verdict::kNotAllowed);
}

TEST_CASE("muc: affiliation changes (§5.2.2 state chart)", "[muc][privileges]") {
    // Members, outcasts and none are the admins' (§9.1-§9.5).
    for (Affiliation from : {kOutcast, kNone, kMember}) {
        for (Affiliation to : {kOutcast, kNone, kMember}) {
            INFO(to_string(from) << " -> " << to_string(to));
            CHECK(may_set_affiliation(kAdmin, from, to) == Verdict::kAllowed);
            CHECK(may_set_affiliation(kOwner, from, to) == Verdict::kAllowed);
            CHECK(may_set_affiliation(kMember, from, to) == Verdict::kForbidden);
            CHECK(may_set_affiliation(kNone, from, to) == Verdict::kForbidden);
        }
    }
    // Admin and owner are the owners' (§10.3-§10.8): an admin may not grant
    // them, and may not touch those who hold them.
    for (Affiliation to : {kAdmin, kOwner}) {
        CHECK(may_set_affiliation(kAdmin, kNone, to) == Verdict::kForbidden);
        CHECK(may_set_affiliation(kAdmin, kMember, to) == Verdict::kForbidden);
        CHECK(may_set_affiliation(kOwner, kMember, to) == Verdict::kAllowed);
    }
    for (Affiliation from : {kAdmin, kOwner}) {
        for (Affiliation to : {kOutcast, kNone, kMember, kAdmin, kOwner}) {
            INFO(to_string(from) << " -> " << to_string(to));
            CHECK(may_set_affiliation(kAdmin, from, to) == Verdict::kNotAllowed);
            CHECK(may_set_affiliation(kOwner, from, to) == Verdict::kAllowed);
        }
    }
    CHECK(condition_of(Verdict::kForbidden) == "forbidden");
    CHECK(condition_of(Verdict::kNotAllowed) == "not-allowed");
    CHECK(condition_of(Verdict::kAllowed).empty());
}

TEST_CASE("muc: the role after an affiliation change (§5.1.2 note)", "[muc][privileges]") {
    // Admin and owner bring moderator.
    CHECK(role_after_affiliation(Role::kParticipant, kMember, kAdmin, false, false) ==
          Role::kModerator);
    CHECK(role_after_affiliation(Role::kVisitor, kNone, kOwner, true, false) == Role::kModerator);
    // Membership brings voice in a moderated room.
    CHECK(role_after_affiliation(Role::kVisitor, kNone, kMember, true, false) ==
          Role::kParticipant);
    CHECK(role_after_affiliation(Role::kModerator, kNone, kMember, false, false) ==
          Role::kModerator);
    // Losing admin falls back to what the new affiliation enters with.
    CHECK(role_after_affiliation(Role::kModerator, kAdmin, kMember, true, false) ==
          Role::kParticipant);
    CHECK(role_after_affiliation(Role::kModerator, kOwner, kNone, true, false) == Role::kVisitor);
    // Banned, or no longer a member of a members-only room: out.
    CHECK(role_after_affiliation(Role::kParticipant, kMember, kOutcast, false, false) ==
          Role::kNone);
    CHECK(role_after_affiliation(Role::kParticipant, kMember, kNone, false, true) == Role::kNone);
    CHECK(role_after_affiliation(Role::kParticipant, kMember, kNone, false, false) ==
          Role::kParticipant);
}

TEST_CASE("muc: speaking, the subject, real JIDs, invitations and lists (§5.1.1)",
          "[muc][privileges]") {
    CHECK(may_speak(Role::kModerator));
    CHECK(may_speak(Role::kParticipant));
    CHECK_FALSE(may_speak(Role::kVisitor));
    CHECK_FALSE(may_speak(Role::kNone));

    CHECK(may_change_subject(Role::kModerator, false));
    CHECK_FALSE(may_change_subject(Role::kParticipant, false));
    CHECK(may_change_subject(Role::kParticipant, true));
    CHECK_FALSE(may_change_subject(Role::kVisitor, true));

    CHECK(may_see_real_jid(Role::kModerator, Whois::kModerators));
    CHECK_FALSE(may_see_real_jid(Role::kParticipant, Whois::kModerators));
    CHECK(may_see_real_jid(Role::kVisitor, Whois::kAnyone));

    // Open rooms: moderators, or anyone the room lets.
    CHECK(may_invite(moderator(kNone), false, false));
    CHECK_FALSE(may_invite(participant(kMember), false, false));
    CHECK(may_invite(visitor(kNone), true, false));
    // Members-only rooms: those who may add members, or anyone the room lets.
    CHECK(may_invite(moderator(kAdmin), false, true));
    CHECK_FALSE(may_invite(moderator(kMember), false, true));
    CHECK(may_invite(participant(kMember), true, true));
    CHECK_FALSE(may_invite(Party{kOwner, Role::kNone}, true, false));  // not in the room

    const RoleSet moderators_only{true, false, false};
    CHECK(may_get_member_list(participant(kAdmin), moderators_only));
    CHECK_FALSE(may_get_member_list(participant(kMember), moderators_only));
    CHECK(may_get_member_list(participant(kMember), RoleSet::all()));
    CHECK(may_get_affiliation_list(participant(kMember), kMember, RoleSet::all()));
    CHECK_FALSE(may_get_affiliation_list(moderator(kMember), kOutcast, RoleSet::all()));
    CHECK(may_get_affiliation_list(Party{kAdmin, Role::kNone}, kOwner, moderators_only));
    CHECK(may_get_role_list(moderator(kNone)));
    CHECK(may_get_role_list(Party{kAdmin, Role::kNone}));
    CHECK_FALSE(may_get_role_list(participant(kMember)));
}
