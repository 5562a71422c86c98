// Building the muc#user payloads a room sends (XEP-0045 §19.4): the <x/>
// with an <item/> describing an occupant, status codes, actor and reason.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "privileges.hpp"
#include "xml/element.hpp"

namespace jng::muc {

// What an <item/> in a muc#user <x/> says about an occupant or a user.
struct ItemInfo {
    Affiliation affiliation = Affiliation::kNone;
    Role role = Role::kNone;
    std::string jid;         // the real JID, when the recipient may see it
    std::string nick;        // §7.6: the new nick (status 303)
    std::string actor_nick;  // §8.2, §9.1: who kicked or banned
    std::string reason;
};

xml::Element muc_user_x();
xml::Element& add_item(xml::Element& x, const ItemInfo& item);
void add_status(xml::Element& x, int code);
void add_statuses(xml::Element& x, std::initializer_list<int> codes);

// The first muc#user <x/> child of a stanza, or null.
const xml::Element* muc_user_of(const xml::Element& stanza);

}  // namespace jng::muc
