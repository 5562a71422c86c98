// muc#user payload builders.
#include "muc_user.hpp"

#include "muc_ns.hpp"

namespace jng::muc {

xml::Element muc_user_x() { return xml::Element("x", ns::kMucUser); }

xml::Element& add_item(xml::Element& x, const ItemInfo& info) {
    xml::Element& item = x.add("item", ns::kMucUser);
    item.set_attr("affiliation", to_string(info.affiliation));
    item.set_attr("role", to_string(info.role));
    if (!info.jid.empty()) item.set_attr("jid", info.jid);
    if (!info.nick.empty()) item.set_attr("nick", info.nick);
    if (!info.actor_nick.empty()) item.add("actor", ns::kMucUser).set_attr("nick", info.actor_nick);
    if (!info.reason.empty()) item.add_text_child("reason", info.reason);
    return item;
}

void add_status(xml::Element& x, int code) {
    x.add("status", ns::kMucUser).set_attr("code", std::to_string(code));
}

void add_statuses(xml::Element& x, std::initializer_list<int> codes) {
    for (int c : codes) add_status(x, c);
}

const xml::Element* muc_user_of(const xml::Element& stanza) {
    return stanza.child("x", ns::kMucUser);
}

}  // namespace jng::muc
