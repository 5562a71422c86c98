// disco: XEP-0030 service discovery of the server (identity and the features
// modules declare) and of a user's bare JID (for the user and subscribers).
#include "module.hpp"
#include "ns.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {
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
        xml::Element result = stanza::iq_result(p.stanza);
        result.add("query", ns::kDiscoItems);
        sm_->route(std::move(result));
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
