// deliver: RFC 6121 §8.5 - messages and iq for a local user reach the right
// sessions: a full JID its session, a bare JID the available resources of
// highest non-negative priority. What cannot be delivered passes on (the
// offline module stores chat/normal messages) or gets the RFC's error.
#include "module.hpp"
#include "ns.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {
namespace {

class DeliverModule final : public Module {
public:
    std::string_view name() const override { return "deliver"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        sm.in().on("message/bare", 0, name(), [this](Packet& p) { return message_bare(p); });
        sm.in().on("message/full", 0, name(), [this](Packet& p) { return message_full(p); });
        sm.in().on("iq/full", 0, name(), [this](Packet& p) { return iq_full(p); });
        // Answers to requests a user's client made of another user's bare JID
        // (results and errors) have no one to go to.
        sm.in().on("iq-result/bare", -100, name(), [](Packet&) { return Verdict::kDrop; });
        sm.in().on("iq-error/bare", -100, name(), [](Packet&) { return Verdict::kDrop; });
    }

private:
    Verdict no_account(Packet& p) {
        // §8.5.1: messages and iq for an account that does not exist are
        // answered with service-unavailable.
        if (stanza::can_bounce(p.stanza)) {
            sm_->route(stanza::error_reply(p.stanza, "service-unavailable"));
        }
        return Verdict::kHandled;
    }

    // The available resources a bare-JID message goes to (§8.5.2.1.1).
    // Sessions whose privacy rules refuse the sender are not among them
    // (docs/privacy.md).
    std::vector<Session*> targets(const Packet& p, bool headline) const {
        std::vector<Session*> best;
        int top = -1;
        for (Session* s : p.user->available()) {
            if (s->priority < 0) continue;  // §4.7.2.3: negative priority never gets these
            if (!sm_->accepts(*s, p.stanza, p.from.str())) continue;
            if (headline) {
                best.push_back(s);
            } else if (s->priority > top) {
                top = s->priority;
                best.assign(1, s);
            } else if (s->priority == top) {
                best.push_back(s);
            }
        }
        if (!headline && best.size() > 1 && !sm_->config().deliver_to_all_highest) {
            best.erase(best.begin(), best.end() - 1);  // the newest session
        }
        return best;
    }

    Verdict message_bare(Packet& p) {
        if (!p.user) return no_account(p);
        const std::string_view type = p.type();
        if (type == "groupchat") {
            sm_->route(stanza::error_reply(p.stanza, "service-unavailable"));
            return Verdict::kHandled;
        }
        if (type == "error") {
            // An error for a bare JID goes to whoever is there, else nowhere.
            for (Session* s : p.user->available()) {
                if (sm_->accepts(*s, p.stanza, p.from.str())) sm_->send_to(*s, p.stanza);
            }
            return Verdict::kHandled;
        }
        const auto to = targets(p, type == "headline");
        if (to.empty()) {
            // Headlines are not worth keeping (§8.5.2.2.1); chat and normal
            // pass on to offline storage.
            return type == "headline" ? Verdict::kDrop : Verdict::kPass;
        }
        for (Session* s : to) sm_->send_to(*s, p.stanza);
        sm_->message_delivered.run(p, to);
        return Verdict::kHandled;
    }

    Verdict message_full(Packet& p) {
        if (!p.user) return no_account(p);
        if (Session* s = p.user->session_for(p.to->resource())) {
            sm_->send_to(*s, p.stanza);
            if (p.type() != "error") sm_->message_delivered.run(p, {s});
            return Verdict::kHandled;
        }
        // §8.5.3.2.1: no such resource - chat and normal are treated as if
        // sent to the bare JID, headline and error dropped, groupchat refused.
        const std::string_view type = p.type();
        if (type == "headline" || type == "error") return Verdict::kDrop;
        if (type == "groupchat") {
            sm_->route(stanza::error_reply(p.stanza, "service-unavailable"));
            return Verdict::kHandled;
        }
        p.to = p.to->bare();
        return message_bare(p);
    }

    Verdict iq_full(Packet& p) {
        if (!p.user) return no_account(p);
        if (Session* s = p.user->session_for(p.to->resource())) {
            sm_->send_to(*s, p.stanza);
            return Verdict::kHandled;
        }
        // §8.5.3.2.2: a request to a resource that is not there.
        if (stanza::can_bounce(p.stanza)) {
            sm_->route(stanza::error_reply(p.stanza, "service-unavailable"));
        }
        return Verdict::kHandled;
    }

    SessionManager* sm_ = nullptr;
};

}  // namespace

std::unique_ptr<Module> make_deliver_module() { return std::make_unique<DeliverModule>(); }

}  // namespace jng::sm
