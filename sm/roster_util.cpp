// Roster item XML and pushes.
#include "roster_util.hpp"

#include "ns.hpp"
#include "random.hpp"
#include "sm.hpp"

namespace jng::sm {

std::string_view subscription_name(const storage::RosterItem& item) {
    if (item.to && item.from) return "both";
    if (item.to) return "to";
    if (item.from) return "from";
    return "none";
}

xml::Element item_element(const storage::RosterItem& item, bool removed) {
    xml::Element e("item", ns::kRoster);
    e.set_attr("jid", item.jid);
    if (removed) {
        e.set_attr("subscription", "remove");
        return e;
    }
    if (!item.name.empty()) e.set_attr("name", item.name);
    e.set_attr("subscription", subscription_name(item));
    if (item.ask == storage::RosterItem::Ask::kSubscribe) e.set_attr("ask", "subscribe");
    if (item.approved) e.set_attr("approved", "true");
    for (const auto& g : item.groups) e.add_text_child("group", g);
    return e;
}

void push_item(SessionManager& sm, const User& user, const storage::RosterItem& item,
               bool removed) {
    for (const Session* s : user.sessions) {
        if (!s->interested) continue;
        xml::Element iq("iq", ns::kClient);
        iq.set_attr("type", "set");
        iq.set_attr("id", "push-" + random_token(10));
        iq.set_attr("from", user.jid.str());
        iq.set_attr("to", s->jid.str());
        iq.add("query", ns::kRoster).add_child(item_element(item, removed));
        sm.send_to(*s, iq);
    }
}

void save_and_push(SessionManager& sm, User& user, const storage::RosterItem& item) {
    auto [it, inserted] = user.roster.insert_or_assign(item.jid, item);
    (void)inserted;
    sm.store_roster_item(user, it->second);
    if (!item.hidden) push_item(sm, user, item);
}

}  // namespace jng::sm
