// offline: XEP-0160 - chat and normal messages for a user with no available
// resource are stored in `queue` with a XEP-0203 <delay/> and delivered at
// the user's next initial presence of non-negative priority.
#include <chrono>

#include "module.hpp"
#include "ns.hpp"
#include "sm.hpp"
#include "stanza.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

namespace jng::sm {
namespace {

constexpr std::string_view kChatStates = "http://jabber.org/protocol/chatstates";

std::string utc_stamp() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

// XEP-0160 §3: chat-state notifications alone are not worth storing.
bool worth_storing(const xml::Element& m) {
    for (const xml::Element& c : m.elements()) {
        if (c.ns() != kChatStates) return true;
    }
    return false;
}

class OfflineModule final : public Module {
public:
    std::string_view name() const override { return "offline"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        // Below deliver: only what it could not deliver reaches us. That
        // includes chat and normal messages to a resource that is not
        // there, which RFC 6121 §8.5.3.2.1 treats as sent to the bare JID.
        sm.in().on("message/bare", -100, name(), [this](Packet& p) { return store(p); });
        sm.in().on("message/full", -100, name(), [this](Packet& p) { return store(p); });
        sm.initial_presence.add(-100, std::string(name()), [this](Session& s) { flush(s); });
        sm.add_feature("msgoffline");
    }

private:
    Verdict store(Packet& p) {
        if (!p.user) return Verdict::kPass;
        const std::string_view type = p.type();
        if (!(type.empty() || type == "normal" || type == "chat")) return Verdict::kPass;
        if (!worth_storing(p.stanza)) return Verdict::kDrop;
        xml::Element copy = p.stanza;
        copy.remove_children("delay", ns::kDelay);
        xml::Element& delay = copy.add("delay", ns::kDelay);
        delay.set_attr("from", p.user->jid.domain());
        delay.set_attr("stamp", utc_stamp());
        delay.add_text("Offline Storage");
        const std::string owner = p.user->jid.str();
        const size_t limit = sm_->config().offline_limit;
        sm_->storage().run(
            owner,
            [owner, xml = xml::to_string(copy), limit](storage::Driver& db) -> Result<bool> {
                auto n = db.queue().count(owner);
                if (!n) return n.error();
                if (static_cast<size_t>(*n) >= limit) return false;
                auto pushed = db.queue().push(owner, xml);
                if (!pushed) return pushed.error();
                return true;
            },
            [this, original = p.stanza, owner](const Result<bool>& stored) {
                if (stored && *stored) return;
                // Not stored: the sender hears about it (XEP-0160 §4).
                if (!stored) sm_->log().error("storing a message for {}: {}", owner, stored.message());
                sm_->route(stanza::error_reply(original, stored ? "service-unavailable"
                                                                : "internal-server-error",
                                               stored ? "offline storage is full" : ""));
            });
        return Verdict::kHandled;
    }

    void flush(Session& s) {
        if (s.priority < 0) return;
        const std::string owner = s.user->jid.str();
        if (!draining_.insert(owner).second) return;  // another session is at it
        sm_->storage().run(
            owner, [owner](storage::Driver& db) { return db.queue().items(owner); },
            [this, owner, session_id = s.id, full = s.jid.str()](
                Result<std::vector<storage::QueuedStanza>> items) {
                draining_.erase(owner);
                if (!items) {
                    sm_->log().error("reading offline messages of {}: {}", owner, items.message());
                    return;
                }
                User* user = sm_->find_user(owner);
                Session* session = nullptr;
                if (user) {
                    for (Session* c : user->sessions) {
                        if (c->id == session_id) session = c;
                    }
                }
                // The session ended meanwhile: the messages stay for next time.
                if (!session || items->empty()) return;
                int64_t last = 0;
                for (const auto& q : *items) {
                    last = q.seq;
                    auto m = xml::parse_element(q.xml);
                    if (!m) {
                        sm_->log().error("dropping an unreadable stored message of {}", owner);
                        continue;
                    }
                    m->set_attr("to", full);
                    sm_->send_to(*session, *m);
                }
                // Removed only once handed to the c2s: a crash before this line
                // delivers twice rather than never.
                sm_->storage().run(
                    owner, [owner, last](storage::Driver& db) { return db.queue().remove_upto(owner, last); },
                    [this, owner](Status st) {
                        if (!st) sm_->log().error("clearing offline messages of {}: {}", owner, st.message());
                    });
                sm_->log().info("delivered {} offline message(s) to {}", items->size(), full);
            });
    }

    SessionManager* sm_ = nullptr;
    StringSet draining_;
};

}  // namespace

std::unique_ptr<Module> make_offline_module() { return std::make_unique<OfflineModule>(); }

}  // namespace jng::sm
