// announce: jabberd2's mod_announce - administrators send a message to
// <domain>/announce/online (every available user of the domain gets it now)
// or <domain>/announce/motd (the message of the day: stored, sent to every
// available user now and to every other user at their next login);
// .../motd/update replaces it for the next logins only, .../motd/delete
// removes it. Announcements come from the domain, as normal messages.
#include "announce.hpp"


#include "datetime.hpp"
#include "module.hpp"
#include "rows.hpp"
#include "ns.hpp"
#include "sm.hpp"
#include "stanza.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

namespace jng::sm {

namespace announce {

Target target(std::string_view resource) {
    constexpr std::string_view kPrefix = "announce";
    if (resource.substr(0, kPrefix.size()) != kPrefix) return Target::kNone;
    const std::string_view rest = resource.substr(kPrefix.size());
    if (rest.empty() || rest == "/motd") return Target::kMotd;  // jabberd2 used the bare name
    if (rest[0] != '/') return Target::kNone;
    if (rest == "/online") return Target::kOnline;
    if (rest == "/motd/update") return Target::kMotdUpdate;
    if (rest == "/motd/delete") return Target::kMotdDelete;
    return Target::kUnknown;
}

bool due(int64_t motd_time, std::optional<int64_t> last_seen) {
    return !last_seen || *last_seen < motd_time;
}

int64_t next_time(int64_t now, std::optional<int64_t> previous) {
    return previous && *previous >= now ? *previous + 1 : now;
}

}  // namespace announce

namespace {

// Announcements are for people: a few pages at most.
constexpr size_t kMaxAnnouncementBytes = 64 * 1024;
constexpr std::string_view kNick = "http://jabber.org/protocol/nick";  // XEP-0172

class AnnounceModule final : public Module {
public:
    std::string_view name() const override { return "announce"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        // <domain/resource> is the server's (RFC 6120 §10.5.2).
        sm.in().on("message/host", 0, name(), [this](Packet& p) { return message(p); });
        // After presence and offline messages: the message of the day is the
        // last thing a login brings.
        sm.initial_presence.add(-200, std::string(name()), [this](Session& s) { at_login(s); });
    }

private:
    Verdict message(Packet& p) {
        if (!p.to->has_resource()) return Verdict::kPass;
        const announce::Target target = announce::target(p.to->resource());
        if (target == announce::Target::kNone) return Verdict::kPass;
        if (p.type() == "error") return Verdict::kDrop;
        const auto& admins = sm_->config().admins;
        if (std::find(admins.begin(), admins.end(), p.from.bare_str()) == admins.end()) {
            // jabberd2 and RFC 6120 §8.3.3.4: the sender is known but lacks
            // the permission.
            sm_->log().notice("{} may not announce (not an administrator)", p.from.str());
            sm_->route(stanza::error_reply(p.stanza, "forbidden"));
            return Verdict::kHandled;
        }
        const std::string domain = p.to->domain();
        switch (target) {
            case announce::Target::kMotdDelete: remove_motd(p.stanza, domain); break;
            case announce::Target::kUnknown:
                sm_->log().debug("no announcement resource {}", p.to->str());
                break;
            default: {
                xml::Element m = announcement(p.stanza, domain);
                if (xml::to_string(m).size() > kMaxAnnouncementBytes) {
                    sm_->route(stanza::error_reply(p.stanza, "not-acceptable",
                                                   "the announcement is too long"));
                    break;
                }
                if (target == announce::Target::kOnline) {
                    const size_t n = broadcast(domain, m).size();
                    sm_->log().info("{} announced to {} user(s) of {}", p.from.str(), n, domain);
                } else {
                    set_motd(p.stanza, domain, std::move(m),
                             target == announce::Target::kMotd);
                }
                break;
            }
        }
        return Verdict::kHandled;
    }

    // What users get: the administrator's message from the domain, as a
    // normal message (jabberd2 dropped the type), without the sender's nick.
    static xml::Element announcement(const xml::Element& original, const std::string& domain) {
        xml::Element m = original;
        m.remove_attr("type");
        m.remove_attr("to");
        m.remove_attr("id");
        m.set_attr("from", domain);
        m.remove_children("nick", kNick);
        m.remove_children("delay", ns::kDelay);
        return m;
    }

    // Sends `m` to every available session of non-negative priority in
    // `domain`; returns the users reached.
    StringSet broadcast(const std::string& domain, const xml::Element& m) {
        StringSet reached;
        sm_->for_each_session([&](Session& s) {
            if (!s.available || s.priority < 0 || s.jid.domain() != domain) return;
            xml::Element copy = m;
            copy.set_attr("to", s.jid.str());
            sm_->send_to(s, copy);
            reached.insert(s.user->jid.str());
        });
        return reached;
    }

    void set_motd(const xml::Element& request, const std::string& domain, xml::Element m,
                  bool send_now) {
        sm_->storage().run(
            domain,
            [domain, m, now = storage::unix_now()](storage::Driver& db) -> Result<int64_t> {
                auto previous = db.announce().motd(domain);
                if (!previous) return previous.error();
                const int64_t t = announce::next_time(
                    now, *previous ? std::optional<int64_t>((*previous)->time) : std::nullopt);
                // Those who get it at a later login see when it was announced
                // (XEP-0203).
                xml::Element stored = m;
                xml::Element& delay = stored.add("delay", ns::kDelay);
                delay.set_attr("from", domain);
                delay.set_attr("stamp", format_datetime(t));
                if (auto st = db.announce().set_motd(domain, {xml::to_string(stored), t}); !st) {
                    return st.error();
                }
                return t;
            },
            [this, request, domain, m, send_now](Result<int64_t> stored) {
                if (!stored) {
                    sm_->log().error("storing the message of the day of {}: {}", domain,
                                     stored.message());
                    sm_->route(stanza::error_reply(request, "internal-server-error"));
                    return;
                }
                sm_->log().info("{} set the message of the day of {}", request.attr("from"), domain);
                if (send_now) mark_seen(broadcast(domain, m), *stored);
            });
    }

    void remove_motd(const xml::Element& request, const std::string& domain) {
        sm_->storage().run(
            domain, [domain](storage::Driver& db) { return db.announce().remove_motd(domain); },
            [this, request, domain](Result<bool> removed) {
                if (!removed) {
                    sm_->log().error("removing the message of the day of {}: {}", domain,
                                     removed.message());
                    sm_->route(stanza::error_reply(request, "internal-server-error"));
                    return;
                }
                sm_->log().info("{} removed the message of the day of {}", request.attr("from"),
                                domain);
            });
    }

    // Users who got the message of the day now do not get it again at
    // their next login: one transaction for all of them.
    void mark_seen(StringSet users, int64_t time) {
        if (users.empty()) return;
        sm_->storage().run(
            *users.begin(),
            [users, time](storage::Driver& db) {
                return db.transaction([&]() -> Status {
                    for (const std::string& u : users) {
                        if (auto st = db.announce().set_last_seen(u, time); !st) return st;
                    }
                    return {};
                });
            },
            [this](Status st) {
                if (!st) sm_->log().error("recording who got the message of the day: {}", st.message());
            });
    }

    // The message of the day at the first available presence after it was
    // set (jabberd2 delivered it then): once per user, whichever resource
    // comes first.
    void at_login(Session& s) {
        if (s.priority < 0) return;
        const std::string owner = s.user->jid.str();
        if (!checking_.insert(owner).second) return;  // another resource is at it
        sm_->storage().run(
            owner,
            [owner, domain = s.jid.domain()](storage::Driver& db)
                -> Result<std::optional<storage::Motd>> {
                auto motd = db.announce().motd(domain);
                if (!motd || !*motd) return motd;
                auto seen = db.announce().last_seen(owner);
                if (!seen) return seen.error();
                if (!announce::due((*motd)->time, *seen)) return std::optional<storage::Motd>();
                return motd;
            },
            [this, owner, session_id = s.id](Result<std::optional<storage::Motd>> motd) {
                checking_.erase(owner);
                if (!motd) {
                    sm_->log().error("reading the message of the day for {}: {}", owner,
                                     motd.message());
                    return;
                }
                if (!*motd) return;
                Session* session = find_session(owner, session_id);
                if (!session) return;  // gone already: the next login gets it
                auto m = xml::parse_element((*motd)->xml);
                if (!m) {
                    sm_->log().error("the stored message of the day of {} is unreadable",
                                     session->jid.domain());
                    return;
                }
                m->set_attr("from", session->jid.domain());
                m->set_attr("to", session->jid.str());
                sm_->send_to(*session, *m);
                sm_->storage().run(
                    owner,
                    [owner, time = (*motd)->time](storage::Driver& db) {
                        return db.announce().set_last_seen(owner, time);
                    },
                    [this, owner](Status st) {
                        if (!st) {
                            sm_->log().error("recording that {} got the message of the day: {}",
                                             owner, st.message());
                        }
                    });
            });
    }

    Session* find_session(const std::string& owner, const std::string& id) {
        User* user = sm_->find_user(owner);
        if (!user) return nullptr;
        for (Session* s : user->sessions) {
            if (s->id == id) return s;
        }
        return nullptr;
    }

    SessionManager* sm_ = nullptr;
    StringSet checking_;  // users whose message of the day is being looked up
};

}  // namespace

std::unique_ptr<Module> make_announce_module() { return std::make_unique<AnnounceModule>(); }

}  // namespace jng::sm
