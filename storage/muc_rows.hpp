// Checks on the rows of the muc collections (`muc-rooms`,
// `muc-affiliations`) written and read back, shared by every driver, and the
// text form of an affiliation in its column.
#pragma once

#include <string_view>

#include "result.hpp"
#include "types.hpp"

namespace jng::storage {

// A room's localpart: non-empty, no '@' or '/'.
Status check_muc_room_name(std::string_view name);

// A name, a configuration document (rows.hpp's document limit), a creation
// time not before the epoch, and affiliations each with a bare JID or a
// domain (no resource), none listed twice.
Status check_muc_room(const MucRoom& room);

// "owner", "admin", "member", "outcast": XEP-0045's names for them.
std::string_view muc_affiliation_to_column(MucAffiliation::Kind kind);
Result<MucAffiliation::Kind> muc_affiliation_from_column(std::string_view value);

}  // namespace jng::storage
