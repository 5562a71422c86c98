// The session manager: sessions started and ended through route envelopes,
// users and their rosters in memory while in use, and every stanza of a
// local user or the server passed through the module chains (the `out`
// chain for what a session sends, the `in` chain for what arrives for a
// local user or the server).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chain.hpp"
#include "component/link.hpp"
#include "filter.hpp"
#include "sm_config.hpp"
#include "hash_ring.hpp"
#include "hooks.hpp"
#include "log.hpp"
#include "module.hpp"
#include "net/loop.hpp"
#include "session.hpp"
#include "storage.hpp"
#include "string_map.hpp"
#include "worker_pool.hpp"

namespace jng::sm {

enum class Lookup { kFound, kNoAccount, kError };

class SessionManager {
public:
    SessionManager(net::Loop& loop, Log& log, SmConfig config);
    ~SessionManager();
    SessionManager(const SessionManager&) = delete;
    SessionManager& operator=(const SessionManager&) = delete;

    Status start();
    void shutdown();

    // ---- for modules -------------------------------------------------
    Log& log() { return log_; }
    net::Loop& loop() { return loop_; }
    const SmConfig& config() const { return config_; }
    storage::Storage& storage() { return *storage_; }
    Chain& in() { return in_; }
    Chain& out() { return out_; }

    Hook<Session&> session_started;    // after the client was told
    Hook<Session&> session_ending;     // before the session is removed
    Hook<Session&> initial_presence;   // a session became available (RFC 6121 §4.2)
    // An account was deleted (its rows are gone, its sessions ended): modules
    // forget what they cache about it. The argument is the bare JID.
    Hook<const std::string&> account_deleted;
    // deliver handed a message (not an error) for a local user to these of
    // the user's sessions; XEP-0280 carbons copy it to the others.
    Hook<const Packet&, const std::vector<Session*>&> message_delivered;

    // Threads for CPU-heavy work (PBKDF2 when a password changes).
    WorkerPool& crypto() { return *crypto_; }
    std::chrono::steady_clock::time_point started_at() const { return started_at_; }
    // Names held at the router and the component holding each (name
    // presence): local domains, components such as conference.example.com,
    // and our own daemons' names.
    const StringMap<std::string>& router_names() const { return router_names_; }
    // Ends every session of `bare` and drops it from the cache, after its
    // account was deleted; runs account_deleted.
    void forget_account(const Jid& bare, std::string_view condition);

    // Privacy (docs/privacy.md): modules that let users refuse
    // communication (privacy lists, blocking) add filters; `permit` asks
    // them in priority order and the first refusal decides. A user's own
    // resources and the user's own server are never refused (XEP-0016 §2.1).
    void add_filter(int priority, std::string module, Filter filter);
    Permit permit(const Exchange& exchange) const;
    // Whether `stanza` from `from` may reach session `to`: delivery asks for
    // each session it would hand a stanza to.
    bool accepts(const Session& to, const xml::Element& stanza, std::string_view from) const;
    // Whether `stanza` may leave `user` - from its session `from`, or from
    // the account as a whole when nullptr - for `to`: presence asks for
    // each contact it would send the user's presence to.
    bool may_send(const User& user, const Session* from, const xml::Element& stanza,
                  std::string_view to) const;

    // Per-user state a module keeps in User, loaded in the same storage
    // operation as the account and roster, so that no handler ever sees the
    // user without it. The loader runs on a storage worker for an existing
    // account; what it returns installs the state, on the loop. A failing
    // loader fails the load (stanzas for the user get internal-server-error).
    using UserLoader =
        std::function<Result<std::function<void(User&)>>(storage::Driver&, const Jid& bare)>;
    // Modules sharing state may both ask: a name is added once.
    void add_user_loader(std::string_view name, UserLoader loader);

    // disco#info of the server (XEP-0030): features from the modules.
    void add_feature(std::string_view feature);
    const std::vector<std::string>& features() const { return features_; }

    bool is_local(std::string_view domain) const;
    // Whether this session manager serves `bare` (several may share a domain).
    bool owns(const Jid& bare) const;

    // Sends a stanza on its way: a local user or the server goes through the
    // in chain (after the user is loaded), anything else to the router.
    void route(xml::Element&& stanza);
    // To one client, through its c2s.
    void send_to(const Session& session, const xml::Element& stanza);
    // Ends a session from our side (replaced, kicked, account gone).
    void end_session(Session& session, std::string_view condition);
    // Calls `fn` for every session, in no particular order (announcements,
    // idle pings); `fn` must not start or end sessions.
    void for_each_session(const std::function<void(Session&)>& fn);

    // Loaded users; `with_user` loads (account and roster) when needed and
    // calls back in arrival order. The User lives at least until the
    // callback returns.
    User* find_user(std::string_view bare);
    void with_user(const Jid& bare, std::function<void(Lookup, User*)> callback,
                   bool recheck_missing = false);
    static constexpr auto kMissingTtl = std::chrono::seconds(10);

    // Persists a roster item (or its removal) of `user`; `done` (optional)
    // hears whether it was stored.
    void store_roster_item(const User& user, const storage::RosterItem& item,
                           std::function<void(bool)> done = {});
    void remove_roster_item(const User& user, std::string_view contact,
                            std::function<void(bool)> done = {});

    const std::string& id() const { return config_.id; }
    size_t session_count() const { return sessions_.size(); }

private:
    // Router side.
    void on_router_element(xml::Element&& element);
    void on_route(xml::Element& envelope);
    void on_name(const component::NamePresence& presence);
    void on_names_synced();
    void on_router_lost();
    void rebalance(std::string_view domain);

    // Sessions (sessions.cpp).
    void start_session(std::string_view c2s, std::string_view session_id, std::string_view jid);
    void create_session(User& user, std::string c2s, std::string session_id, Jid jid);
    void session_ended_by_c2s(std::string_view c2s, std::string_view session_id);
    void drop_session(Session& session);
    void c2s_gone(const std::string& c2s);
    void send_control(std::string_view c2s, std::string_view session_id,
                      const component::SessionControl& control);

    // Stanzas.
    void route(xml::Element&& stanza, Jid from, Jid to);  // `from`, `to`: its addresses, parsed
    void process_out(Session& session, xml::Element&& stanza);
    void process_in(xml::Element&& stanza, Jid from, Jid to);
    void finish_in(Packet& packet, Verdict verdict);

    // Users (users.cpp).
    void load_user(const Jid& bare);
    void evict_idle_users();

    net::Loop& loop_;
    Log& log_;
    SmConfig config_;
    std::unique_ptr<storage::Storage> storage_;
    std::unique_ptr<component::Link> link_;
    Chain in_{"in"};
    Chain out_{"out"};
    std::vector<std::unique_ptr<Module>> modules_;
    std::vector<std::string> features_;
    Filters filters_;
    std::vector<std::pair<std::string, UserLoader>> user_loaders_;

    StringMap<std::unique_ptr<Session>> sessions_;  // by session id
    StringMap<std::unique_ptr<User>> users_;        // by bare JID
    struct PendingLoad {
        std::vector<std::function<void(Lookup, User*)>> callbacks;
    };
    StringMap<PendingLoad> loading_;
    net::Timer eviction_timer_;

    // Name presence: the c2s components we know, the rings of our domains.
    std::unique_ptr<WorkerPool> crypto_;
    std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
    StringMap<std::string> router_names_;
    StringSet c2s_known_;
    StringSet c2s_before_loss_;
    StringMap<HashRing> rings_;
    net::Timer c2s_grace_timer_;
    bool ready_notified_ = false;
};

}  // namespace jng::sm
