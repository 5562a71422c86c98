// roster: RFC 6121 §2 - roster get, set and remove, with pushes to every
// interested resource.
#include "module.hpp"
#include "ns.hpp"
#include "roster_util.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {
namespace {

constexpr size_t kMaxItemText = 1023;  // names and groups, bytes
constexpr size_t kMaxGroups = 64;

class RosterModule final : public Module {
public:
    std::string_view name() const override { return "roster"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        sm.in().on("iq-get/bare/jabber:iq:roster:query", 0, name(),
                   [this](Packet& p) { return get(p); });
        sm.in().on("iq-set/bare/jabber:iq:roster:query", 0, name(),
                   [this](Packet& p) { return set(p); });
        sm.add_feature(ns::kPreApproval);
    }

private:
    // RFC 6121 §2.1.5: only the user may touch their roster; anyone else
    // learns nothing, not even that the account exists.
    Session* own_session(Packet& p) {
        if (!p.user || p.from.bare() != p.user->jid) return nullptr;
        return p.user->session_for(p.from.resource());
    }

    Verdict get(Packet& p) {
        Session* s = own_session(p);
        if (!s) {
            sm_->route(stanza::error_reply(p.stanza, "service-unavailable"));
            return Verdict::kHandled;
        }
        s->interested = true;
        xml::Element result = stanza::iq_result(p.stanza);
        xml::Element& query = result.add("query", ns::kRoster);
        for (const auto& [jid, item] : p.user->roster) {
            if (!item.hidden) query.add_child(item_element(item));
        }
        sm_->route(std::move(result));
        return Verdict::kHandled;
    }

    Verdict set(Packet& p) {
        if (!own_session(p)) {
            sm_->route(stanza::error_reply(p.stanza, "service-unavailable"));
            return Verdict::kHandled;
        }
        const xml::Element* query = p.stanza.child("query", ns::kRoster);
        std::vector<const xml::Element*> items;
        for (const xml::Element& c : query->elements()) {
            if (c.name() == "item") items.push_back(&c);
        }
        // RFC 6121 §2.3.3: exactly one item per set.
        if (items.size() != 1) return error(p, "bad-request", "exactly one item");
        const xml::Element& in = *items.front();
        auto contact = Jid::parse(in.attr("jid"));
        if (!contact) return error(p, "bad-request", "invalid jid");
        const std::string key = contact->bare_str();
        // RFC 6121 §2.1.2.5: in a roster set the server ignores every
        // 'subscription' value but "remove"; 'ask' and 'approved' are not
        // the client's to set either (§2.1.2.1, §2.1.2.2). Subscription
        // states change only through presence.
        if (in.attr("subscription") == "remove") return remove(p, key);
        if (in.attr("name").size() > kMaxItemText) return error(p, "not-acceptable", "name too long");

        storage::RosterItem item;
        if (const auto* existing = p.user->item(key)) item = *existing;
        item.jid = key;
        item.name = in.attr("name");
        item.hidden = false;
        item.groups.clear();
        for (const xml::Element& g : in.elements()) {
            if (g.name() != "group") continue;
            const std::string group = g.text();
            if (group.empty()) return error(p, "not-acceptable", "empty group name");
            if (group.size() > kMaxItemText) return error(p, "not-acceptable", "group too long");
            if (std::find(item.groups.begin(), item.groups.end(), group) != item.groups.end()) {
                return error(p, "bad-request", "duplicate group");
            }
            item.groups.push_back(group);
        }
        if (item.groups.size() > kMaxGroups) return error(p, "not-acceptable", "too many groups");

        User& user = *p.user;
        user.roster.insert_or_assign(key, item);
        // The result is sent once the change is stored: an acknowledged
        // roster change survives a crash.
        sm_->store_roster_item(user, item, [this, iq = p.stanza, bare = user.jid.str(),
                                            item](bool ok) {
            if (!ok) {
                sm_->route(stanza::error_reply(iq, "internal-server-error"));
                return;
            }
            if (User* u = sm_->find_user(bare)) push_item(*sm_, *u, item);
            sm_->route(stanza::iq_result(iq));
        });
        return Verdict::kHandled;
    }

    Verdict remove(Packet& p, const std::string& key) {
        User& user = *p.user;
        const storage::RosterItem* found = user.item(key);
        if (!found || found->hidden) return error(p, "item-not-found", {});
        const storage::RosterItem item = *found;
        // RFC 6121 §2.5.2: removing a contact cancels the subscriptions both ways.
        auto presence = [&](std::string_view from, std::string_view type) {
            xml::Element pr("presence", ns::kClient);
            pr.set_attr("from", from);
            pr.set_attr("to", key);
            pr.set_attr("type", type);
            sm_->route(std::move(pr));
        };
        if (item.to || item.ask == storage::RosterItem::Ask::kSubscribe) {
            presence(user.jid.str(), "unsubscribe");
        }
        if (item.from || !item.pending_in.empty()) presence(user.jid.str(), "unsubscribed");
        // §3.2.2, as for an unsubscribed the user sends: a former subscriber
        // sees the user's resources go offline, or would believe them online.
        if (item.from) {
            for (const Session* r : user.available()) presence(r->jid.str(), "unavailable");
        }
        user.roster.erase(key);
        sm_->remove_roster_item(user, key, [this, iq = p.stanza, bare = user.jid.str(),
                                            item](bool ok) {
            if (!ok) {
                sm_->route(stanza::error_reply(iq, "internal-server-error"));
                return;
            }
            if (User* u = sm_->find_user(bare)) push_item(*sm_, *u, item, /*removed=*/true);
            sm_->route(stanza::iq_result(iq));
        });
        return Verdict::kHandled;
    }

    Verdict error(Packet& p, std::string_view condition, std::string_view text) {
        sm_->route(stanza::error_reply(p.stanza, condition, text));
        return Verdict::kHandled;
    }

    SessionManager* sm_ = nullptr;
};

}  // namespace

std::unique_ptr<Module> make_roster_module() { return std::make_unique<RosterModule>(); }

}  // namespace jng::sm
