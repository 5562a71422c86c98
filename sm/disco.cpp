// disco: XEP-0030 service discovery of the server (identity and the features
// modules declare; its components and stored items) and of a user's bare JID
// (for the user and subscribers).
#include "disco.hpp"

#include <map>

#include "module.hpp"
#include "ns.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {

namespace disco {

std::vector<storage::DiscoItem> server_items(std::string_view domain,
                                             const StringMap<std::string>& router_names,
                                             const std::vector<std::string>& local,
                                             const std::vector<storage::DiscoItem>& stored) {
    const std::string suffix = "." + std::string(domain);
    std::map<std::pair<std::string, std::string>, std::string> items;  // (jid, node) -> name
    for (const auto& [name, component] : router_names) {
        if (name.size() <= suffix.size() || !name.ends_with(suffix)) continue;
        if (std::find(local.begin(), local.end(), name) != local.end()) continue;
        items.try_emplace({name, ""}, "");
    }
    for (const storage::DiscoItem& item : stored) items[{item.jid, item.node}] = item.name;
    std::vector<storage::DiscoItem> out;
    out.reserve(items.size());
    for (auto& [key, name] : items) out.push_back({key.first, std::move(name), key.second});
    return out;
}

}  // namespace disco

namespace {

class DiscoModule final : public Module {
public:
    std::string_view name() const override { return "disco"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        sm.in().on(std::string("iq-get/host/") + std::string(ns::kDiscoInfo) + ":query", 0, name(),
                   [this](Packet& p) { return host_info(p); });
        sm.in().on(std::string("iq-get/host/") + std::string(ns::kDiscoItems) + ":query", 0, name(),
                   [this](Packet& p) { return host_items(p); });
        sm.in().on(std::string("iq-get/bare/") + std::string(ns::kDiscoInfo) + ":query", 0, name(),
                   [this](Packet& p) { return account_info(p); });
        sm.in().on(std::string("iq-get/bare/") + std::string(ns::kDiscoItems) + ":query", 0, name(),
                   [this](Packet& p) { return account_items(p); });
        sm.add_feature(ns::kDiscoInfo);
        sm.add_feature(ns::kDiscoItems);
    }

private:
    Verdict host_info(Packet& p) {
        const xml::Element* q = p.stanza.child("query", ns::kDiscoInfo);
        if (!q->attr("node").empty()) return reply_error(p, "item-not-found");
        xml::Element result = stanza::iq_result(p.stanza);
        xml::Element& query = result.add("query", ns::kDiscoInfo);
        xml::Element& id = query.add("identity");
        id.set_attr("category", "server").set_attr("type", "im");
        id.set_attr("name", sm_->config().server_name);
        for (const auto& f : sm_->features()) query.add("feature").set_attr("var", f);
        sm_->route(std::move(result));
        return Verdict::kHandled;
    }

    Verdict host_items(Packet& p) {
        const xml::Element* q = p.stanza.child("query", ns::kDiscoItems);
        if (!q->attr("node").empty()) return reply_error(p, "item-not-found");
        const std::string domain = p.to->domain();
        sm_->storage().run(
            domain, [domain](storage::Driver& db) { return db.disco_items().items(domain); },
            [this, iq = p.stanza, domain](Result<std::vector<storage::DiscoItem>> stored) {
                if (!stored) {
                    sm_->log().error("reading the disco items of {}: {}", domain, stored.message());
                    sm_->route(stanza::error_reply(iq, "internal-server-error"));
                    return;
                }
                xml::Element result = stanza::iq_result(iq);
                xml::Element& query = result.add("query", ns::kDiscoItems);
                for (const auto& item : disco::server_items(domain, sm_->router_names(),
                                                            sm_->config().domains, *stored)) {
                    xml::Element& e = query.add("item");
                    e.set_attr("jid", item.jid);
                    if (!item.name.empty()) e.set_attr("name", item.name);
                    if (!item.node.empty()) e.set_attr("node", item.node);
                }
                sm_->route(std::move(result));
            });
        return Verdict::kHandled;
    }

    // XEP-0030 §3.1 and RFC 6121 §8.5.2: an account answers for itself to
    // its owner and to those subscribed to its presence; to anyone else it
    // looks like nothing is there.
    bool may_see(const Packet& p) const {
        if (!p.user) return false;
        if (p.from.bare() == p.user->jid) return true;
        const auto it = p.user->roster.find(p.from.bare_str());
        return it != p.user->roster.end() && it->second.from;
    }

    Verdict account_info(Packet& p) {
        if (!may_see(p)) return reply_error(p, "service-unavailable");
        xml::Element result = stanza::iq_result(p.stanza);
        xml::Element& query = result.add("query", ns::kDiscoInfo);
        query.add("identity").set_attr("category", "account").set_attr("type", "registered");
        query.add("feature").set_attr("var", ns::kDiscoInfo);
        sm_->route(std::move(result));
        return Verdict::kHandled;
    }

    Verdict account_items(Packet& p) {
        if (!may_see(p)) return reply_error(p, "service-unavailable");
        xml::Element result = stanza::iq_result(p.stanza);
        result.add("query", ns::kDiscoItems);
        sm_->route(std::move(result));
        return Verdict::kHandled;
    }

    Verdict reply_error(Packet& p, std::string_view condition) {
        sm_->route(stanza::error_reply(p.stanza, condition));
        return Verdict::kHandled;
    }

    SessionManager* sm_ = nullptr;
};

}  // namespace

std::unique_ptr<Module> make_disco_module() { return std::make_unique<DiscoModule>(); }

}  // namespace jng::sm
