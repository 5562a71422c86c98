// Validation of muc rooms and affiliations, for every driver.
#include "muc_rows.hpp"

#include <set>
#include <string>

#include "rows.hpp"

namespace jng::storage {

Status check_muc_room_name(std::string_view name) {
    if (name.empty()) return fail("room name is empty");
    if (name.find_first_of("@/") != std::string_view::npos)
        return fail("room name '" + std::string(name) + "' is not a localpart");
    return {};
}

Status check_muc_room(const MucRoom& room) {
    if (auto s = check_muc_room_name(room.name); !s) return s;
    if (auto s = check_document("room configuration", room.config); !s) return s;
    if (auto s = check_time("room creation time", room.created); !s) return s;
    std::set<std::string_view> seen;
    for (const MucAffiliation& a : room.affiliations) {
        if (a.jid.empty()) return fail("room " + room.name + " has an affiliation without a jid");
        if (a.jid.find('/') != std::string::npos)
            return fail("affiliation jid '" + a.jid + "' has a resource");
        if (!seen.insert(a.jid).second)
            return fail("room " + room.name + " lists " + a.jid + " twice");
    }
    return {};
}

std::string_view muc_affiliation_to_column(MucAffiliation::Kind kind) {
    switch (kind) {
        case MucAffiliation::Kind::kOwner: return "owner";
        case MucAffiliation::Kind::kAdmin: return "admin";
        case MucAffiliation::Kind::kMember: return "member";
        case MucAffiliation::Kind::kOutcast: return "outcast";
    }
    return "member";
}

Result<MucAffiliation::Kind> muc_affiliation_from_column(std::string_view value) {
    if (value == "owner") return MucAffiliation::Kind::kOwner;
    if (value == "admin") return MucAffiliation::Kind::kAdmin;
    if (value == "member") return MucAffiliation::Kind::kMember;
    if (value == "outcast") return MucAffiliation::Kind::kOutcast;
    return fail("unknown affiliation '" + std::string(value) + "'");
}

}  // namespace jng::storage
