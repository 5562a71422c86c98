// last: XEP-0012 last activity - the server's uptime, and for a user's bare
// JID the time since their last session ended with the status of their last
// unavailable presence, for the user and the contacts who may see their
// presence. What a full JID is asked goes to that client (deliver).
#include "last.hpp"

#include <unordered_map>

#include "module.hpp"
#include "ns.hpp"
#include "rows.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {

namespace last {

std::string status_of(const xml::Element& presence) {
    std::string status = presence.child_text("status");
    if (status.size() <= kMaxStatusBytes) return status;
    size_t end = kMaxStatusBytes;
    // Back to the first byte of a UTF-8 sequence (never a 10xxxxxx byte).
    while (end > 0 && (static_cast<unsigned char>(status[end]) & 0xC0) == 0x80) --end;
    status.resize(end);
    return status;
}

int64_t seconds_between(int64_t then, int64_t now) {
    return now > then ? now - then : 0;
}

xml::Element answer(int64_t seconds, std::string_view status) {
    xml::Element query("query", ns::kLast);
    query.set_attr("seconds", std::to_string(seconds));
    if (!status.empty()) query.add_text(status);
    return query;
}

}  // namespace last

namespace {

class LastModule final : public Module {
public:
    std::string_view name() const override { return "last"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        const std::string key = std::string(ns::kLast) + ":query";
        sm.in().on("iq-get/host/" + key, 0, name(), [this](Packet& p) { return uptime(p); });
        sm.in().on("iq-get/bare/" + key, 0, name(), [this](Packet& p) { return user_last(p); });
        // Above presence, which handles the broadcast: we only look at it.
        sm.out().on("presence/none", 10, name(), [this](Packet& p) { return observe(p); });
        sm.session_ending.add(10, std::string(name()), [this](Session& s) { ending(s); });
        sm.add_feature(ns::kLast);
    }

private:
    // §6: for the server, how long it has been up.
    Verdict uptime(Packet& p) {
        const auto up = std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::steady_clock::now() - sm_->started_at());
        xml::Element result = stanza::iq_result(p.stanza);
        result.add_child(last::answer(up.count()));
        sm_->route(std::move(result));
        return Verdict::kHandled;
    }

    // §3 and §8: only those who may see the user's presence - the user and
    // contacts with a 'from' subscription - learn when they were last there.
    Verdict user_last(Packet& p) {
        if (!p.user) return error(p, "service-unavailable");  // RFC 6121 §8.5.1
        User& user = *p.user;
        const storage::RosterItem* item = user.item(p.from.bare_str());
        if (p.from.bare() != user.jid && !(item && item->from)) {
            return error(p, "forbidden", "only contacts subscribed to the user's presence");
        }
        if (!user.available().empty()) {
            // §3: someone is online now.
            xml::Element result = stanza::iq_result(p.stanza);
            result.add_child(last::answer(0));
            sm_->route(std::move(result));
            return Verdict::kHandled;
        }
        const std::string owner = user.jid.str();
        sm_->storage().run(
            owner, [owner](storage::Driver& db) { return db.last().get(owner); },
            [this, iq = p.stanza, owner](Result<std::optional<storage::LastLogout>> logout) {
                if (!logout) {
                    sm_->log().error("reading the last logout of {}: {}", owner, logout.message());
                    sm_->route(stanza::error_reply(iq, "internal-server-error"));
                    return;
                }
                if (!*logout) {
                    sm_->route(stanza::error_reply(iq, "item-not-found", "no logout recorded"));
                    return;
                }
                xml::Element result = stanza::iq_result(iq);
                result.add_child(
                    last::answer(last::seconds_between((*logout)->time, storage::unix_now()),
                                 (*logout)->status));
                sm_->route(std::move(result));
            });
        return Verdict::kHandled;
    }

    // The status of a session's unavailable presence, kept until the session
    // ends; available presence after it makes it stale.
    Verdict observe(Packet& p) {
        const std::string_view type = p.type();
        if (type == "unavailable") {
            statuses_[p.session] = last::status_of(p.stanza);
        } else if (type.empty()) {
            statuses_.erase(p.session);
        }
        return Verdict::kPass;
    }

    // The user's last session ends: that is their logout. A session that
    // ends without an unavailable presence of its own (a dropped
    // connection) leaves no status. An account being deleted
    // (forget_account) keeps nothing.
    void ending(Session& s) {
        std::string status;
        if (const auto it = statuses_.find(&s); it != statuses_.end()) {
            status = std::move(it->second);
            statuses_.erase(it);
        }
        const User& user = *s.user;
        if (!user.exists || user.sessions.size() > 1) return;
        const std::string owner = user.jid.str();
        sm_->storage().run(
            owner,
            [owner, logout = storage::LastLogout{storage::unix_now(), std::move(status)}](
                storage::Driver& db) { return db.last().set(owner, logout); },
            [this, owner](Status st) {
                if (!st) sm_->log().error("recording the logout of {}: {}", owner, st.message());
            });
    }

    Verdict error(Packet& p, std::string_view condition, std::string_view text = {}) {
        sm_->route(stanza::error_reply(p.stanza, condition, text));
        return Verdict::kHandled;
    }

    SessionManager* sm_ = nullptr;
    std::unordered_map<const Session*, std::string> statuses_;
};

}  // namespace

std::unique_ptr<Module> make_last_module() {
    return std::make_unique<LastModule>();
}

}  // namespace jng::sm
