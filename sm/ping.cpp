// ping: XEP-0199 - the server answers pings addressed to it, and pings the
// sessions that have been silent for a while (§4.2); one that does not
// answer in time is ended, and its c2s closes the connection (§7).
#include <unordered_map>

#include "module.hpp"
#include "ns.hpp"
#include "random.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {
namespace {

using Clock = std::chrono::steady_clock;

class PingModule final : public Module {
public:
    std::string_view name() const override { return "ping"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        sm.in().on(std::string("iq-get/host/") + std::string(ns::kPing) + ":ping", 0, name(),
                   [&sm](Packet& p) {
                       sm.route(stanza::iq_result(p.stanza));
                       return Verdict::kHandled;
                   });
        sm.add_feature(ns::kPing);

        idle_ = sm.config().ping_idle;
        timeout_ = sm.config().ping_timeout;
        if (idle_.count() == 0) return;
        // The client's answer (a result, or an error from a client without
        // XEP-0199: it is there all the same) ends here.
        sm.out().on("iq-result/host", 0, name(), [this](Packet& p) { return answered(p); });
        sm.out().on("iq-error/host", 0, name(), [this](Packet& p) { return answered(p); });
        sm.session_ending.add(0, std::string(name()), [this](Session& s) { pending_.erase(&s); });
        // One timer for every session, ticking often enough for both delays.
        const auto finest = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::min(idle_, timeout_)) / 2;
        timer_ = std::make_unique<net::Timer>(sm.loop(), [this] { tick(); });
        timer_->start_repeating(std::clamp(finest, std::chrono::milliseconds(250),
                                           std::chrono::milliseconds(30000)));
    }

private:
    struct Pending {
        std::string id;
        Clock::time_point sent;
    };

    void tick() {
        const auto now = Clock::now();
        std::vector<Session*> silent;
        sm_->for_each_session([&](Session& s) {
            if (const auto it = pending_.find(&s); it != pending_.end()) {
                // Anything the client sent since proves it is there.
                if (s.last_active >= it->second.sent) {
                    pending_.erase(it);
                } else {
                    if (now - it->second.sent >= timeout_) silent.push_back(&s);
                    return;
                }
            }
            if (now - s.last_active >= idle_) ping(s, now);
        });
        for (Session* s : silent) {
            sm_->log().info("{} did not answer a ping within {}s; ending its session",
                            s->jid.str(), timeout_.count());
            pending_.erase(s);
            sm_->end_session(*s, "connection-timeout");  // RFC 6120 §4.9.3.4
        }
    }

    void ping(Session& s, Clock::time_point now) {
        Pending p{"ping-" + random_token(10), now};
        xml::Element iq("iq", ns::kClient);
        iq.set_attr("from", s.jid.domain());
        iq.set_attr("to", s.jid.str());
        iq.set_attr("type", "get");
        iq.set_attr("id", p.id);
        iq.add("ping", ns::kPing);
        sm_->send_to(s, iq);
        pending_[&s] = std::move(p);
    }

    Verdict answered(Packet& p) {
        const auto it = pending_.find(p.session);
        if (it == pending_.end() || p.stanza.attr("id") != it->second.id) return Verdict::kPass;
        pending_.erase(it);
        return Verdict::kHandled;
    }

    SessionManager* sm_ = nullptr;
    std::chrono::seconds idle_{0};
    std::chrono::seconds timeout_{0};
    std::unordered_map<const Session*, Pending> pending_;
    std::unique_ptr<net::Timer> timer_;
};

}  // namespace

std::unique_ptr<Module> make_ping_module() { return std::make_unique<PingModule>(); }

}  // namespace jng::sm
