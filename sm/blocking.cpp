// blocking: XEP-0191 - the blocklist (get, block, unblock, unblock all),
// pushes to the resources that asked for it, and its enforcement: a blocked
// sender gets the XEP's errors, what the user sends them comes back
// not-acceptable with <blocked/>, and they see the user go offline. The
// blocklist is kept as a privacy list of a reserved name, consulted before
// the active or default list (privacy_util.hpp, docs/privacy.md).
#include <algorithm>

#include "module.hpp"
#include "ns.hpp"
#include "privacy_util.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {
namespace {

// The JIDs of a <block/> or <unblock/>, normalized, each once.
struct Jids {
    std::vector<std::string> jids;
    std::optional<ListProblem> problem;
};

Jids parse_items(const xml::Element& command) {
    Jids out;
    for (const xml::Element& e : command.elements()) {
        if (!e.is("item", ns::kBlocking)) {
            out.problem = ListProblem{"bad-request", "only <item/> elements"};
            return out;
        }
        const std::string_view text = e.attr("jid");
        if (text.empty()) {
            out.problem = ListProblem{"bad-request", "an item needs a jid"};
            return out;
        }
        auto jid = Jid::parse(text);
        if (!jid) {
            out.problem = ListProblem{"jid-malformed", "invalid jid '" + std::string(text) + "'"};
            return out;
        }
        if (std::find(out.jids.begin(), out.jids.end(), jid->str()) == out.jids.end()) {
            out.jids.push_back(jid->str());
        }
    }
    return out;
}

// The blocked JIDs of a stored blocklist: its jid items that deny.
std::vector<std::string> blocked_jids(const storage::PrivacyList& list) {
    std::vector<std::string> out;
    for (const auto& item : list.items) {
        if (item.type == storage::PrivacyItem::Type::kJid && !item.allow) out.push_back(item.value);
    }
    return out;
}

// A blocklist after a change, as the storage worker wrote it: nullopt when
// nothing is blocked any more (the list is gone).
struct Stored {
    bool too_many = false;
    std::optional<storage::PrivacyList> list;
};

// Writes `list` as the blocklist, or removes the blocklist when it is empty.
Result<Stored> write(storage::Driver& db, const std::string& owner, storage::PrivacyList list) {
    if (list.items.empty()) {
        auto removed = db.privacy().remove(owner, kBlocklistName);
        if (!removed) return removed.error();
        return Stored{};
    }
    // Every item denies every kind of stanza; the order only keeps the
    // JIDs in the order they were blocked.
    for (size_t i = 0; i < list.items.size(); ++i) list.items[i].order = static_cast<uint32_t>(i);
    if (auto st = db.privacy().put(owner, list); !st) return st.error();
    return Stored{false, std::move(list)};
}

class BlockingModule final : public Module {
public:
    std::string_view name() const override { return "blocking"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        load_privacy_lists(sm);
        sm.add_filter(kBlockingFilterPriority, std::string(name()),
                      [](const Exchange& e) { return check(e); });
        enforce(sm, name(), kBlockingChainPriority, Permit::kBlocked);
        const std::string ns(ns::kBlocking);
        sm.in().on("iq-get/bare/" + ns + ":blocklist", 0, name(),
                   [this](Packet& p) { return blocklist(p); });
        sm.in().on("iq-set/bare/" + ns + ":block", 0, name(),
                   [this](Packet& p) { return block(p); });
        sm.in().on("iq-set/bare/" + ns + ":unblock", 0, name(),
                   [this](Packet& p) { return unblock(p); });
        sm.add_feature(ns::kBlocking);
    }

private:
    static Permit check(const Exchange& e) {
        const storage::PrivacyList* list = lists_of(e.user).find(kBlocklistName);
        if (!list) return Permit::kAllow;
        return allows(*list, traffic_of(e.stanza, e.direction), e.peer, nullptr) ? Permit::kAllow
                                                                                 : Permit::kBlocked;
    }

    Session* own_session(Packet& p) {
        if (!p.user || p.from.bare() != p.user->jid) return nullptr;
        return p.user->session_for(p.from.resource());
    }

    // §3.2: the blocklist; the session gets pushes from now on.
    Verdict blocklist(Packet& p) {
        Session* s = own_session(p);
        if (!s) return error(p.stanza, "service-unavailable");
        s->blocklist_requested = true;
        xml::Element result = stanza::iq_result(p.stanza);
        xml::Element& answer = result.add("blocklist", ns::kBlocking);
        if (const storage::PrivacyList* list = lists_of(*p.user).find(kBlocklistName)) {
            for (const std::string& jid : blocked_jids(*list))
                answer.add("item").set_attr("jid", jid);
        }
        sm_->route(std::move(result));
        return Verdict::kHandled;
    }

    // §3.3: block one or more JIDs.
    Verdict block(Packet& p) {
        if (!own_session(p)) return error(p.stanza, "service-unavailable");
        Jids items = parse_items(*p.stanza.child("block", ns::kBlocking));
        if (items.problem) return error(p.stanza, items.problem->condition, items.problem->text);
        if (items.jids.empty()) return error(p.stanza, "bad-request", "nothing to block");
        const std::string owner = p.user->jid.str();
        // Read, changed and written by the storage worker: blocks sent one
        // after the other all land, whatever the cache knew at the time.
        run(p, owner, "block", items.jids,
            [owner, jids = items.jids](storage::Driver& db) -> Result<Stored> {
                auto current = db.privacy().list(owner, kBlocklistName);
                if (!current) return current.error();
                storage::PrivacyList list{std::string(kBlocklistName), {}};
                if (*current) list = std::move(**current);
                for (const std::string& jid : jids) {
                    const bool known = std::any_of(list.items.begin(), list.items.end(),
                                                   [&](const auto& i) { return i.value == jid; });
                    if (known) continue;
                    storage::PrivacyItem item;
                    item.type = storage::PrivacyItem::Type::kJid;
                    item.value = jid;
                    item.allow = false;
                    list.items.push_back(std::move(item));
                }
                if (list.items.size() > kMaxBlocked) return Stored{true, {}};
                return write(db, owner, std::move(list));
            });
        return Verdict::kHandled;
    }

    // §3.4, §3.5: unblock some JIDs, or every one.
    Verdict unblock(Packet& p) {
        if (!own_session(p)) return error(p.stanza, "service-unavailable");
        Jids items = parse_items(*p.stanza.child("unblock", ns::kBlocking));
        if (items.problem) return error(p.stanza, items.problem->condition, items.problem->text);
        const std::string owner = p.user->jid.str();
        run(p, owner, "unblock", items.jids,
            [owner, jids = items.jids](storage::Driver& db) -> Result<Stored> {
                auto current = db.privacy().list(owner, kBlocklistName);
                if (!current) return current.error();
                if (!*current) return Stored{};
                storage::PrivacyList list = std::move(**current);
                if (jids.empty()) {
                    list.items.clear();
                } else {
                    std::erase_if(list.items, [&](const storage::PrivacyItem& i) {
                        return std::find(jids.begin(), jids.end(), i.value) != jids.end();
                    });
                }
                return write(db, owner, std::move(list));
            });
        return Verdict::kHandled;
    }

    // Runs a change of the blocklist; once it is stored, applies it, pushes
    // it to the resources that asked for the blocklist and answers.
    template <class Op>
    void run(Packet& p, const std::string& owner, std::string_view command,
             const std::vector<std::string>& jids, Op op) {
        sm_->storage().run(
            owner, std::move(op),
            [this, iq = p.stanza, owner, command = std::string(command), jids](Result<Stored> r) {
                if (!r) {
                    sm_->log().error("storing the blocklist of {}: {}", owner, r.message());
                    sm_->route(stanza::error_reply(iq, "internal-server-error"));
                    return;
                }
                if (r->too_many) {
                    sm_->route(stanza::error_reply(
                        iq, "policy-violation",
                        "at most " + std::to_string(kMaxBlocked) + " blocked JIDs"));
                    return;
                }
                if (User* u = sm_->find_user(owner)) {
                    PresenceWatch watch(*sm_, *u);
                    if (r->list) {
                        lists_of(*u).put(std::move(*r->list));
                    } else {
                        lists_of(*u).erase(kBlocklistName);
                    }
                    watch.settle();
                    push(*u, command, jids);
                }
                sm_->route(stanza::iq_result(iq));
            });
    }

    // §3.3 - §3.5: the command, with the JIDs as stored, to every resource
    // that asked for the blocklist.
    void push(const User& user, const std::string& command, const std::vector<std::string>& jids) {
        for (const Session* s : user.sessions) {
            if (!s->blocklist_requested) continue;
            xml::Element payload(command, ns::kBlocking);
            for (const std::string& jid : jids) payload.add("item").set_attr("jid", jid);
            sm_->send_to(*s, push_to(*s, std::move(payload)));
        }
    }

    Verdict error(const xml::Element& iq, std::string_view condition, std::string_view text = {}) {
        sm_->route(stanza::error_reply(iq, condition, text));
        return Verdict::kHandled;
    }

    SessionManager* sm_ = nullptr;
};

}  // namespace

std::unique_ptr<Module> make_blocking_module() {
    return std::make_unique<BlockingModule>();
}

}  // namespace jng::sm
