// A stanza on its way through the session manager's chains, with its
// addresses parsed once.
#pragma once

#include <optional>
#include <string>

#include "jid.hpp"
#include "session.hpp"
#include "stanza.hpp"
#include "xml/element.hpp"

namespace jng::sm {

struct Packet {
    xml::Element stanza;
    stanza::Kind kind = stanza::Kind::kOther;
    Jid from;
    std::optional<Jid> to;  // nullopt: no 'to' (presence broadcast)

    // Out chain: the local session the stanza comes from.
    Session* session = nullptr;
    // In chain: the local user `to` names (loaded), or nullptr for the server
    // itself and for users of other session managers.
    User* user = nullptr;

    std::string_view type() const { return stanza.attr("type"); }
};

}  // namespace jng::sm
