// The register module's rules, apart from the module so that they can be
// tested alone: what a logged-in user's jabber:iq:register set asks for
// (XEP-0077 §3.2 cancel, §3.3 password change), and the answer to a get.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace jng::sm::registration {

// The longest password accepted, in bytes (as c2s's registration).
constexpr size_t kMaxPasswordBytes = 1024;

struct Request {
    enum class Kind {
        kRefused,         // `condition` and `text` say why
        kCancel,          // <remove/>: delete the account
        kChangePassword,  // <username/> and <password/>: `password`
    };
    Kind kind = Kind::kRefused;
    std::string password;
    std::string_view condition;
    std::string text;
};

// Reads the <query/> of a set from the account `username` (its normalized
// localpart).
Request read_set(const xml::Element& query, std::string_view username);

// §3.1: the answer to a get from a registered user - <registered/>, the
// username, and an empty <password/> (the field a password change fills).
xml::Element registered(std::string_view username);

}  // namespace jng::sm::registration
