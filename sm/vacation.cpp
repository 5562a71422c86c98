// vacation: jabberd2's mod_vacation (XEP-0109 as it stood, in the namespace
// http://jabber.org/protocol/vacation) - a user sets a period and a message;
// while the period runs, each person who writes to the user gets the
// message back once.
#include "vacation.hpp"

#include <chrono>

#include "datetime.hpp"
#include "module.hpp"
#include "rows.hpp"
#include "ns.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {

namespace vacation {

bool active(const storage::Vacation& v, int64_t now) {
    return v.start <= now && (v.end == 0 || now < v.end);
}

Result<std::optional<storage::Vacation>> read_request(const xml::Element& query) {
    if (query.first_element() == nullptr) return std::optional<storage::Vacation>();
    const xml::Element* message = query.child("message", kNamespace);
    if (!message) return fail("a <message/> is required (an empty <query/> removes the settings)");
    storage::Vacation v;
    v.message = message->text();
    if (v.message.empty()) return fail("the message is empty");
    if (v.message.size() > kMaxMessageBytes) {
        return fail("the message is longer than " + std::to_string(kMaxMessageBytes) + " bytes");
    }
    // XEP-0109 §3.3: an empty or absent <start/> or <end/> leaves that side open.
    for (auto [name, field] : {std::pair{"start", &v.start}, std::pair{"end", &v.end}}) {
        const xml::Element* e = query.child(name, kNamespace);
        const std::string text = e ? e->text() : std::string();
        if (text.empty()) continue;
        const auto t = parse_datetime(text);
        if (!t) return fail(std::string("<") + name + "/> is not an XEP-0082 date and time");
        *field = *t;
    }
    if (v.end != 0 && v.end <= v.start) return fail("the period ends before it starts");
    return std::optional<storage::Vacation>(std::move(v));
}

xml::Element to_query(const std::optional<storage::Vacation>& settings) {
    xml::Element query("query", kNamespace);
    if (!settings) return query;
    xml::Element& start = query.add("start");
    if (settings->start != 0) start.add_text(format_datetime(settings->start));
    xml::Element& end = query.add("end");
    if (settings->end != 0) end.add_text(format_datetime(settings->end));
    query.add_text_child("message", settings->message);
    return query;
}

}  // namespace vacation

namespace {

// Senders remembered per user and period: beyond, nobody new gets a reply
// (the memory of a user who gets mail from the whole world stays bounded).
constexpr size_t kMaxRemembered = 1000;

class VacationModule final : public Module {
public:
    std::string_view name() const override { return "vacation"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        const std::string key = std::string(vacation::kNamespace) + ":query";
        sm.in().on("iq-get/bare/" + key, 0, name(), [this](Packet& p) { return get(p); });
        sm.in().on("iq-set/bare/" + key, 0, name(), [this](Packet& p) { return set(p); });
        // Above deliver and offline: it sees every message for the user and
        // lets it go on.
        sm.in().on("message/bare", 10, name(), [this](Packet& p) { return observe(p); });
        sm.in().on("message/full", 10, name(), [this](Packet& p) { return observe(p); });
        sm.account_deleted.add(0, std::string(name()),
                               [this](const std::string& bare) { entries_.erase(bare); });
        sm.add_feature(vacation::kNamespace);
        purge_timer_ = std::make_unique<net::Timer>(sm.loop(), [this] { purge(); });
        purge_timer_->start_repeating(std::chrono::seconds(60));
    }

private:
    // What we know of one user: the settings once loaded, and whom we
    // answered in the current period.
    struct Entry {
        bool ready = false;
        std::optional<storage::Vacation> settings;
        StringSet answered;  // bare JIDs
        bool full_logged = false;
        std::vector<std::function<void(Entry*)>> waiting;  // for the load
        std::chrono::steady_clock::time_point used;
    };

    // The owner's entry when its settings are loaded (and now used), else null.
    Entry* known(std::string_view owner) {
        const auto it = entries_.find(owner);
        if (it == entries_.end() || !it->second.ready) return nullptr;
        it->second.used = std::chrono::steady_clock::now();
        return &it->second;
    }

    // Calls `fn` with the user's entry once the settings are loaded, or
    // with nullptr when the store could not be read.
    void with_entry(const std::string& owner, std::function<void(Entry*)> fn) {
        if (Entry* known_entry = known(owner)) {
            fn(known_entry);
            return;
        }
        auto [it, inserted] = entries_.try_emplace(owner);
        Entry& e = it->second;
        e.used = std::chrono::steady_clock::now();
        e.waiting.push_back(std::move(fn));
        if (!inserted) return;  // a load is under way
        sm_->storage().run(
            owner, [owner](storage::Driver& db) { return db.vacation().get(owner); },
            [this, owner](Result<std::optional<storage::Vacation>> loaded) {
                const auto it = entries_.find(owner);
                if (it == entries_.end()) return;  // the account went meanwhile
                auto waiting = std::move(it->second.waiting);
                it->second.waiting.clear();
                if (!loaded) {
                    sm_->log().error("reading the vacation settings of {}: {}", owner,
                                     loaded.message());
                    entries_.erase(it);
                    for (auto& w : waiting) w(nullptr);
                    return;
                }
                // A set that finished first already knows better.
                if (!it->second.ready) {
                    it->second.settings = std::move(*loaded);
                    it->second.ready = true;
                }
                for (auto& w : waiting) {
                    const auto again = entries_.find(owner);
                    w(again == entries_.end() ? nullptr : &again->second);
                }
            });
    }

    // RFC 6121 §2.1.5 applies as for the roster: only the user may see or
    // change the settings; anyone else learns nothing.
    static bool own(const Packet& p) { return p.user && p.from.bare() == p.user->jid; }

    Verdict get(Packet& p) {
        if (!own(p)) return reply_error(p.stanza, "service-unavailable");
        with_entry(p.user->jid.str(), [this, iq = p.stanza](Entry* e) {
            if (!e) {
                sm_->route(stanza::error_reply(iq, "internal-server-error"));
                return;
            }
            xml::Element result = stanza::iq_result(iq);
            result.add_child(vacation::to_query(e->settings));
            sm_->route(std::move(result));
        });
        return Verdict::kHandled;
    }

    Verdict set(Packet& p) {
        if (!own(p)) return reply_error(p.stanza, "service-unavailable");
        auto request = vacation::read_request(*p.stanza.child("query", vacation::kNamespace));
        if (!request) {
            sm_->route(stanza::error_reply(p.stanza, "bad-request", request.message()));
            return Verdict::kHandled;
        }
        const std::string owner = p.user->jid.str();
        sm_->storage().run(
            owner,
            [owner, settings = *request](storage::Driver& db) -> Status {
                if (settings) return db.vacation().set(owner, *settings);
                auto removed = db.vacation().remove(owner);
                if (!removed) return removed.error();
                return {};
            },
            [this, owner, settings = *request, iq = p.stanza](Status st) {
                if (!st) {
                    sm_->log().error("storing the vacation settings of {}: {}", owner, st.message());
                    sm_->route(stanza::error_reply(iq, "internal-server-error"));
                    return;
                }
                // New settings start a new period: everyone may get the
                // (new) message once more.
                Entry& e = entries_[owner];
                e.settings = settings;
                e.ready = true;
                e.answered.clear();
                e.full_logged = false;
                e.used = std::chrono::steady_clock::now();
                sm_->route(stanza::iq_result(iq));
            });
        return Verdict::kHandled;
    }

    Verdict observe(Packet& p) {
        if (!p.user) return Verdict::kPass;
        const std::string_view type = p.type();
        // Chat and normal messages only: never errors, headlines or groupchat.
        if (!(type.empty() || type == "normal" || type == "chat")) return Verdict::kPass;
        // People write from a full JID; servers, components and automatic
        // replies (ours come from a bare JID) do not, so two users on
        // vacation never answer each other in a loop.
        if (!p.from.has_node() || !p.from.has_resource()) return Verdict::kPass;
        if (p.from.bare() == p.user->jid) return Verdict::kPass;
        // Chat states, receipts and the like are not someone writing.
        if (!p.stanza.child("body")) return Verdict::kPass;
        // Usually the settings are known already: no closure, no copies.
        if (Entry* e = known(p.user->jid.str())) {
            answer(p.user->jid.str(), *e, p.from, type == "chat");
            return Verdict::kPass;
        }
        with_entry(p.user->jid.str(),
                   [this, owner = p.user->jid.str(), sender = p.from, chat = type == "chat"](
                       Entry* e) {
                       if (e) answer(owner, *e, sender, chat);
                   });
        return Verdict::kPass;
    }

    void answer(const std::string& owner, Entry& e, const Jid& sender, bool chat) {
        if (!e.settings || !vacation::active(*e.settings, storage::unix_now())) return;
        const std::string bare = sender.bare_str();
        if (e.answered.count(bare)) return;
        if (e.answered.size() >= kMaxRemembered) {
            if (!e.full_logged) {
                sm_->log().notice("{}: {} senders answered in this vacation; no more replies",
                                  owner, e.answered.size());
                e.full_logged = true;
            }
            return;
        }
        e.answered.insert(bare);
        // As jabberd2 did: the message with the subject "Automated reply",
        // of the type the sender used.
        xml::Element reply("message", ns::kClient);
        reply.set_attr("from", owner);
        reply.set_attr("to", sender.str());
        if (chat) reply.set_attr("type", "chat");
        reply.add_text_child("subject", "Automated reply");
        reply.add_text_child("body", e.settings->message);
        sm_->route(std::move(reply));
    }

    // Forgets users without settings (or whose period is over) that no
    // one wrote to for a while; they are read again when needed.
    void purge() {
        const auto now = std::chrono::steady_clock::now();
        const int64_t unix = storage::unix_now();
        const auto ttl = sm_->config().user_cache_ttl;
        std::erase_if(entries_, [&](const auto& kv) {
            const Entry& e = kv.second;
            if (!e.ready || !e.waiting.empty() || now - e.used < ttl) return false;
            return !e.settings || (e.settings->end != 0 && e.settings->end <= unix);
        });
    }

    Verdict reply_error(const xml::Element& iq, std::string_view condition) {
        sm_->route(stanza::error_reply(iq, condition));
        return Verdict::kHandled;
    }

    SessionManager* sm_ = nullptr;
    StringMap<Entry> entries_;  // by bare JID
    std::unique_ptr<net::Timer> purge_timer_;
};

}  // namespace

std::unique_ptr<Module> make_vacation_module() { return std::make_unique<VacationModule>(); }

}  // namespace jng::sm
