// carbons: XEP-0280 message carbons - a resource that enables them gets a
// copy of the chat messages its user's other resources send and receive,
// so that a conversation reads the same on every device.
#include <algorithm>

#include "module.hpp"
#include "ns.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {
namespace {

constexpr std::string_view kCarbons = "urn:xmpp:carbons:2";                  // XEP-0280
constexpr std::string_view kForward = "urn:xmpp:forward:0";                  // XEP-0297
constexpr std::string_view kHints = "urn:xmpp:hints";                        // XEP-0334
constexpr std::string_view kMucUser = "http://jabber.org/protocol/muc#user";  // XEP-0045

// XEP-0280 §6 and §7: which messages are copied. Chat messages, and normal
// messages with a body; never errors, groupchat or headlines; never what the
// sender marked <private/> (§7) or <no-copy/> (XEP-0334 §4.4), nor a carbon
// itself. A private message from a room occupant reaches the one resource
// that joined the room; the others are not in it.
bool eligible(const xml::Element& m, bool incoming) {
    if (m.child("private", kCarbons) || m.child("no-copy", kHints)) return false;
    if (m.child("sent", kCarbons) || m.child("received", kCarbons)) return false;
    const std::string_view type = m.attr("type", "normal");
    if (type == "chat") {
        return !(incoming && m.child("x", kMucUser));
    }
    return type == "normal" && m.child("body") != nullptr;
}

class CarbonsModule final : public Module {
public:
    std::string_view name() const override { return "carbons"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        // §4 and §5: to the user's own account (no 'to' or the bare JID), or
        // to the server.
        for (const char* target : {"bare", "host"}) {
            sm.out().on(std::string("iq-set/") + target + "/" + std::string(kCarbons) + ":enable",
                        0, name(), [this](Packet& p) { return toggle(p, true); });
            sm.out().on(std::string("iq-set/") + target + "/" + std::string(kCarbons) + ":disable",
                        0, name(), [this](Packet& p) { return toggle(p, false); });
        }
        // Last on the out chain: only what leaves for real is copied.
        sm.out().on("message", -1000, name(), [this](Packet& p) {
            sent(p);
            return Verdict::kPass;
        });
        sm.message_delivered.add(0, std::string(name()),
                                 [this](const Packet& p, const std::vector<Session*>& to) {
                                     received(p, to);
                                 });
        sm.add_feature(kCarbons);
    }

private:
    Verdict toggle(Packet& p, bool on) {
        Session& s = *p.session;
        const bool own = p.to->is_domain() ? p.to->domain() == s.jid.domain()
                                           : p.to->bare() == s.user->jid;
        if (!own) return Verdict::kPass;  // someone else's business
        s.carbons = on;
        sm_->log().debug("{} {} carbons", s.jid.str(), on ? "enabled" : "disabled");
        sm_->send_to(s, stanza::iq_result(p.stanza));
        return Verdict::kHandled;
    }

    // §6: a message a resource sends goes, wrapped in <sent/>, to the
    // user's other resources that enabled carbons.
    void sent(const Packet& p) {
        if (!p.to) return;
        User& user = *p.session->user;
        // To the user's own account: delivery copies it (as received), so
        // that no resource sees it twice.
        if (p.to->has_node() && p.to->bare() == user.jid) return;
        if (!eligible(p.stanza, false)) return;
        for (Session* s : user.sessions) {
            if (s != p.session && s->carbons) sm_->send_to(*s, wrap("sent", user, *s, p.stanza));
        }
    }

    // §6: a message delivered to some of the user's resources goes, wrapped
    // in <received/>, to the others that enabled carbons.
    void received(const Packet& p, const std::vector<Session*>& delivered) {
        if (!p.user || !eligible(p.stanza, true)) return;
        for (Session* s : p.user->sessions) {
            if (!s->carbons) continue;
            if (std::find(delivered.begin(), delivered.end(), s) != delivered.end()) continue;
            sm_->send_to(*s, wrap("received", *p.user, *s, p.stanza));
        }
    }

    // <message from='user@domain' to='resource'><sent|received><forwarded>
    // <message .../></forwarded></sent|received></message> (§6, XEP-0297).
    static xml::Element wrap(std::string_view direction, const User& user, const Session& to,
                             const xml::Element& message) {
        xml::Element carbon("message", ns::kClient);
        carbon.set_attr("from", user.jid.str());
        carbon.set_attr("to", to.jid.str());
        if (const std::string* type = message.find_attr("type")) carbon.set_attr("type", *type);
        carbon.add(direction, kCarbons).add("forwarded", kForward).add_child(message);
        return carbon;
    }

    SessionManager* sm_ = nullptr;
};

}  // namespace

std::unique_ptr<Module> make_carbons_module() { return std::make_unique<CarbonsModule>(); }

}  // namespace jng::sm
