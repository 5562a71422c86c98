// ping: XEP-0199 - the server answers pings addressed to it.
#include "module.hpp"
#include "ns.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {
namespace {

class PingModule final : public Module {
public:
    std::string_view name() const override { return "ping"; }

    void init(SessionManager& sm) override {
        sm.in().on(std::string("iq-get/host/") + std::string(ns::kPing) + ":ping", 0, name(),
                   [&sm](Packet& p) {
                       sm.route(stanza::iq_result(p.stanza));
                       return Verdict::kHandled;
                   });
        sm.add_feature(ns::kPing);
    }
};

}  // namespace

std::unique_ptr<Module> make_ping_module() { return std::make_unique<PingModule>(); }

}  // namespace jng::sm
