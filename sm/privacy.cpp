// privacy: XEP-0016 privacy lists - the lists a user keeps (get, set,
// remove, with a push to every resource), each session's active list and
// the user's default list, and their enforcement on what arrives for the
// user and what leaves (privacy_util.hpp, docs/privacy.md).
#include "module.hpp"
#include "ns.hpp"
#include "privacy_util.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {
namespace {

// A list the privacy protocol may name: the blocklist is not one of them.
const storage::PrivacyList* visible(const PrivacyLists& lists, std::string_view name) {
    return name == kBlocklistName ? nullptr : lists.find(name);
}

// §2.2 rules 1 and 2: a session's active list, else the user's default
// list; never both. The account as a whole (no session) has the default.
const storage::PrivacyList* applicable(const PrivacyLists& lists, const Session* session) {
    if (session && !session->privacy_list.empty()) return visible(lists, session->privacy_list);
    return lists.default_name ? visible(lists, *lists.default_name) : nullptr;
}

class PrivacyModule final : public Module {
public:
    std::string_view name() const override { return "privacy"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        load_privacy_lists(sm);
        sm.add_filter(kPrivacyFilterPriority, std::string(name()),
                      [](const Exchange& e) { return check(e); });
        enforce(sm, name(), kPrivacyChainPriority, Permit::kDeny);
        const std::string query = std::string(ns::kPrivacy) + ":query";
        sm.in().on("iq-get/bare/" + query, 0, name(), [this](Packet& p) { return get(p); });
        sm.in().on("iq-set/bare/" + query, 0, name(), [this](Packet& p) { return set(p); });
        sm.add_feature(ns::kPrivacy);
    }

private:
    static Permit check(const Exchange& e) {
        const storage::PrivacyList* list = applicable(lists_of(e.user), e.session);
        if (!list) return Permit::kAllow;
        const auto it = e.user.roster.find(e.peer.substr(0, e.peer.find('/')));
        const storage::RosterItem* contact = it == e.user.roster.end() ? nullptr : &it->second;
        return allows(*list, traffic_of(e.stanza, e.direction), e.peer, contact) ? Permit::kAllow
                                                                                 : Permit::kDeny;
    }

    // Only the user manages their lists, from one of their sessions; anyone
    // else learns nothing (as for the roster, RFC 6121 §2.1.5).
    Session* own_session(Packet& p) {
        if (!p.user || p.from.bare() != p.user->jid) return nullptr;
        return p.user->session_for(p.from.resource());
    }

    // ---- get (§2.3) ------------------------------------------------------

    Verdict get(Packet& p) {
        Session* s = own_session(p);
        if (!s) return error(p.stanza, "service-unavailable");
        const xml::Element* query = p.stanza.child("query", ns::kPrivacy);
        std::vector<const xml::Element*> asked;
        for (const xml::Element& c : query->elements()) asked.push_back(&c);
        const PrivacyLists& lists = lists_of(*p.user);
        xml::Element result = stanza::iq_result(p.stanza);
        xml::Element& answer = result.add("query", ns::kPrivacy);
        if (asked.empty()) {
            // The names, after the active and the default list.
            if (!s->privacy_list.empty()) answer.add("active").set_attr("name", s->privacy_list);
            if (lists.default_name) answer.add("default").set_attr("name", *lists.default_name);
            for (const auto& list : lists.lists) {
                if (list.name != kBlocklistName) answer.add_child(list_element(list, false));
            }
        } else {
            if (asked.size() != 1 || !asked.front()->is("list", ns::kPrivacy)) {
                return error(p.stanza, "bad-request", "one list at a time");
            }
            const storage::PrivacyList* list = visible(lists, asked.front()->attr("name"));
            if (!list) return error(p.stanza, "item-not-found");
            answer.add_child(list_element(*list, true));
        }
        sm_->route(std::move(result));
        return Verdict::kHandled;
    }

    // ---- set (§2.4 - §2.8) -----------------------------------------------

    Verdict set(Packet& p) {
        Session* s = own_session(p);
        if (!s) return error(p.stanza, "service-unavailable");
        const xml::Element* query = p.stanza.child("query", ns::kPrivacy);
        std::vector<const xml::Element*> children;
        for (const xml::Element& c : query->elements()) children.push_back(&c);
        // §2.1: exactly one of <active/>, <default/> or <list/>.
        if (children.size() != 1 || children.front()->ns() != ns::kPrivacy) {
            return error(p.stanza, "bad-request", "one of <active/>, <default/> or <list/>");
        }
        const xml::Element& c = *children.front();
        if (c.name() == "active") return set_active(p, *s, c.attr("name"));
        if (c.name() == "default") return set_default(p, *s, c.attr("name"));
        if (c.name() == "list") return set_list(p, *s, c);
        return error(p.stanza, "bad-request", "one of <active/>, <default/> or <list/>");
    }

    // §2.4: applies to this session only, at once; an empty name declines.
    Verdict set_active(Packet& p, Session& s, std::string_view name) {
        User& user = *p.user;
        if (!name.empty() && !visible(lists_of(user), name))
            return error(p.stanza, "item-not-found");
        PresenceWatch watch(*sm_, user);
        s.privacy_list = name;
        watch.settle();
        sm_->route(stanza::iq_result(p.stanza));
        return Verdict::kHandled;
    }

    // Whether the default list applies to a connected resource other than
    // `s`: one without an active list.
    static bool default_used_elsewhere(const User& user, const Session& s) {
        for (const Session* other : user.sessions) {
            if (other != &s && other->privacy_list.empty()) return true;
        }
        return false;
    }

    // §2.5: the default list, for the whole account; an empty name declines.
    Verdict set_default(Packet& p, Session& s, std::string_view name) {
        User& user = *p.user;
        const PrivacyLists& lists = lists_of(user);
        std::optional<std::string> wanted;
        if (!name.empty()) wanted = std::string(name);
        if (wanted && !visible(lists, *wanted)) return error(p.stanza, "item-not-found");
        if (wanted == lists.default_name) {
            sm_->route(stanza::iq_result(p.stanza));
            return Verdict::kHandled;
        }
        // §2.2 rule 11: not while the default applies to another resource.
        if (lists.default_name && default_used_elsewhere(user, s)) {
            return error(p.stanza, "conflict", "the default list is in use by another resource");
        }
        const std::string owner = user.jid.str();
        sm_->storage().run(
            owner,
            [owner, wanted](storage::Driver& db) {
                return db.privacy().set_default(owner, wanted);
            },
            [this, iq = p.stanza, owner, wanted](Status st) {
                if (!st) return stored_failed(iq, owner, st.message());
                if (User* u = sm_->find_user(owner)) {
                    PresenceWatch watch(*sm_, *u);
                    lists_of(*u).default_name = wanted;
                    watch.settle();
                }
                sm_->route(stanza::iq_result(iq));
            });
        return Verdict::kHandled;
    }

    // §2.6 - §2.8: a list with items replaces (or adds) it, one without
    // removes it.
    Verdict set_list(Packet& p, Session& s, const xml::Element& element) {
        User& user = *p.user;
        const std::string_view name = element.attr("name");
        if (name.empty()) return error(p.stanza, "bad-request", "a list needs a name");
        if (name == kBlocklistName) {
            return error(p.stanza, "not-allowed", "that name is the blocklist's (XEP-0191)");
        }
        if (element.elements().empty()) return remove_list(p, s, name);
        ParsedList parsed = parse_list(element);
        if (parsed.problem) return error(p.stanza, parsed.problem->condition, parsed.problem->text);
        // §2.1: a group item names a group of the user's roster.
        for (const auto& item : parsed.list.items) {
            if (item.type == storage::PrivacyItem::Type::kGroup && !has_group(user, item.value)) {
                return error(p.stanza, "item-not-found", "no roster group '" + item.value + "'");
            }
        }
        const PrivacyLists& lists = lists_of(user);
        if (!lists.find(parsed.list.name)) {
            size_t count = 0;
            for (const auto& l : lists.lists) count += l.name != kBlocklistName;
            if (count >= kMaxLists) {
                return error(p.stanza, "policy-violation",
                             "at most " + std::to_string(kMaxLists) + " lists");
            }
        }
        const std::string owner = user.jid.str();
        sm_->storage().run(
            owner,
            [owner, list = parsed.list](storage::Driver& db) {
                return db.privacy().put(owner, list);
            },
            [this, iq = p.stanza, owner, list = parsed.list](Status st) mutable {
                if (!st) return stored_failed(iq, owner, st.message());
                if (User* u = sm_->find_user(owner)) {
                    // §2.2 rule 8: a changed list applies at once wherever it is in use.
                    PresenceWatch watch(*sm_, *u);
                    const std::string name = list.name;
                    lists_of(*u).put(std::move(list));
                    watch.settle();
                    push(*u, name);
                }
                sm_->route(stanza::iq_result(iq));
            });
        return Verdict::kHandled;
    }

    Verdict remove_list(Packet& p, Session& s, std::string_view name) {
        User& user = *p.user;
        const PrivacyLists& lists = lists_of(user);
        if (!visible(lists, name)) return error(p.stanza, "item-not-found");
        // §2.8: not while it applies to a resource other than this one.
        for (const Session* other : user.sessions) {
            if (other == &s) continue;
            const bool active = other->privacy_list == name;
            const bool as_default = other->privacy_list.empty() && lists.default_name == name;
            if (active || as_default) {
                return error(p.stanza, "conflict", "the list is in use by another resource");
            }
        }
        const std::string owner = user.jid.str();
        sm_->storage().run(
            owner,
            [owner, name = std::string(name)](storage::Driver& db) {
                return db.privacy().remove(owner, name);
            },
            [this, iq = p.stanza, owner, name = std::string(name)](Result<bool> removed) {
                if (!removed) return stored_failed(iq, owner, removed.message());
                if (User* u = sm_->find_user(owner)) {
                    PresenceWatch watch(*sm_, *u);
                    lists_of(*u).erase(name);  // the default too, as in storage
                    for (Session* session : u->sessions) {
                        if (session->privacy_list == name) session->privacy_list.clear();
                    }
                    watch.settle();
                    push(*u, name);
                }
                sm_->route(stanza::iq_result(iq));
            });
        return Verdict::kHandled;
    }

    static bool has_group(const User& user, std::string_view group) {
        for (const auto& [jid, item] : user.roster) {
            if (std::find(item.groups.begin(), item.groups.end(), group) != item.groups.end()) {
                return true;
            }
        }
        return false;
    }

    // §2.2 rule 10, §2.6: the name of the changed list to every connected
    // resource.
    void push(const User& user, const std::string& name) {
        for (const Session* s : user.sessions) {
            xml::Element query("query", ns::kPrivacy);
            query.add("list").set_attr("name", name);
            sm_->send_to(*s, push_to(*s, std::move(query)));
        }
    }

    void stored_failed(const xml::Element& iq, const std::string& owner, const std::string& why) {
        sm_->log().error("storing the privacy lists of {}: {}", owner, why);
        sm_->route(stanza::error_reply(iq, "internal-server-error"));
    }

    Verdict error(const xml::Element& iq, std::string_view condition, std::string_view text = {}) {
        sm_->route(stanza::error_reply(iq, condition, text));
        return Verdict::kHandled;
    }

    SessionManager* sm_ = nullptr;
};

}  // namespace

std::unique_ptr<Module> make_privacy_module() {
    return std::make_unique<PrivacyModule>();
}

}  // namespace jng::sm
