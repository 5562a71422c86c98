// An occupant of a room (XEP-0045 §5.1): a nick, the real full JID behind
// it, the role of this visit, and the presence the occupant last sent.
#pragma once

#include <string>

#include "jid.hpp"
#include "privileges.hpp"
#include "xml/element.hpp"

namespace jng::muc {

struct Occupant {
    std::string nick;  // resourceprep'd, unique in the room
    Jid jid;           // the real full JID
    Role role = Role::kNone;
    // The occupant's last available presence as it is broadcast: its
    // children (show, status, priority, caps, …) without the MUC <x/>.
    xml::Element presence{"presence"};
};

}  // namespace jng::muc
