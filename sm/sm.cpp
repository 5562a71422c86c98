// SessionManager: start-up, the router link and stanza routing through the
// chains. Sessions are in sessions.cpp, the user cache in users.cpp.
#include "sm.hpp"

#include "component/protocol.hpp"
#include "ns.hpp"
#include "stanza.hpp"
#include "systemd.hpp"

namespace jng::sm {

SessionManager::SessionManager(net::Loop& loop, Log& log, SmConfig config)
    : loop_(loop),
      log_(log),
      config_(std::move(config)),
      eviction_timer_(loop, [this] { evict_idle_users(); }),
      c2s_grace_timer_(loop, [this] {
          for (const std::string& c2s : c2s_before_loss_) {
              if (!c2s_known_.count(c2s)) c2s_gone(c2s);
          }
          c2s_before_loss_.clear();
      }) {}

SessionManager::~SessionManager() {
    // Modules' handlers refer to sessions and users: drop those first.
    sessions_.clear();
    users_.clear();
}

Status SessionManager::start() {
    auto factory = storage::make_factory(config_.storage);
    if (!factory) return fail("storage: " + factory.message());
    storage_ = std::make_unique<storage::Storage>(loop_, log_, std::move(*factory),
                                                  config_.storage.connections);
    crypto_ = std::make_unique<WorkerPool>(loop_, config_.crypto_threads);
    for (const std::string& name : config_.modules) {
        auto m = make_module(name);
        if (!m) return fail("unknown module '" + name + "'");
        m->init(*this);
        modules_.push_back(std::move(m));
    }
    log_.info("modules: {}", fmt::join(config_.modules, " "));

    component::LinkConfig link = config_.router;
    link.name = config_.id;
    link.binds.clear();
    for (const auto& d : config_.domains) link.binds.push_back({d, config_.share_domains});
    link.subscribe_names = true;
    component::Link::Handlers h;
    h.on_ready = [this] {
        if (!ready_notified_) {
            ready_notified_ = true;
            systemd::notify_ready("serving " + fmt::format("{}", fmt::join(config_.domains, " ")));
        }
    };
    h.on_lost = [this] { on_router_lost(); };
    h.on_stanza = [this](xml::Element&& e) { on_router_element(std::move(e)); };
    h.on_name = [this](const component::NamePresence& p) { on_name(p); };
    h.on_names_synced = [this] { on_names_synced(); };
    link_ = std::make_unique<component::Link>(loop_, log_, link, std::move(h));
    link_->start();
    eviction_timer_.start_repeating(std::chrono::seconds(30));
    return {};
}

void SessionManager::shutdown() {
    // Contacts learn that everyone went offline; c2s closes the clients.
    std::vector<Session*> all;
    for (auto& [id, s] : sessions_) all.push_back(s.get());
    for (Session* s : all) end_session(*s, "system-shutdown");
    if (link_) link_->stop();
    storage_->drain();
}

void SessionManager::add_feature(std::string_view feature) {
    if (std::find(features_.begin(), features_.end(), feature) == features_.end()) {
        features_.emplace_back(feature);
    }
}

void SessionManager::add_filter(int priority, std::string module, Filter filter) {
    filters_.add(priority, std::move(module), std::move(filter));
}

Permit SessionManager::permit(const Exchange& e) const {
    if (filters_.empty()) return Permit::kAllow;
    // XEP-0016 §2.1: one of the user's resources is never refused another.
    // Nor is the user's own server: its pings and notices keep the account
    // working whatever the lists say (docs/privacy.md).
    const std::string_view peer_bare = e.peer.substr(0, e.peer.find('/'));
    if (peer_bare == e.user.jid.str() || e.peer == e.user.jid.domain()) return Permit::kAllow;
    return filters_.check(e);
}

bool SessionManager::accepts(const Session& to, const xml::Element& stanza,
                             std::string_view from) const {
    return permit(Exchange{*to.user, &to, Direction::kIn, stanza, from}) == Permit::kAllow;
}

bool SessionManager::may_send(const User& user, const Session* from, const xml::Element& stanza,
                              std::string_view to) const {
    return permit(Exchange{user, from, Direction::kOut, stanza, to}) == Permit::kAllow;
}

bool SessionManager::is_local(std::string_view domain) const {
    return std::find(config_.domains.begin(), config_.domains.end(), domain) !=
           config_.domains.end();
}

bool SessionManager::owns(const Jid& bare) const {
    const auto it = rings_.find(bare.domain());
    // Until the router has told us who shares the domain, we serve it alone.
    if (it == rings_.end() || it->second.empty() || !it->second.contains(config_.id)) return true;
    return it->second.pick(bare.str()) == config_.id;
}

void SessionManager::send_to(const Session& session, const xml::Element& stanza) {
    link_->send_route({config_.id, session.c2s, session.id}, stanza);
}

// ---- the router side --------------------------------------------------

void SessionManager::on_router_element(xml::Element&& e) {
    if (component::is_route(e)) {
        on_route(e);
        return;
    }
    if (!stanza::is_stanza(e)) return;
    // A stanza for one of our domains, from anywhere: validate its addresses
    // (the router checked them, but they are still input to us).
    auto from = Jid::parse(e.attr("from"));
    auto to = Jid::parse(e.attr("to"));
    if (!from || !to) {
        log_.debug("dropping stanza with bad addresses from the router");
        return;
    }
    if (!is_local(to->domain())) return;
    process_in(std::move(e), std::move(*from), std::move(*to));
}

void SessionManager::on_route(xml::Element& envelope) {
    const component::Route r = component::read_route(envelope);
    if (r.type == "error") {
        // Our envelope to a c2s came back: that c2s is gone.
        if (const auto it = sessions_.find(r.session); it != sessions_.end()) {
            drop_session(*it->second);
        }
        return;
    }
    if (!r.payload) return;
    if (const auto control = component::read_session(*r.payload)) {
        switch (control->action) {
            case component::SessionAction::kStart: start_session(r.from, r.session, control->jid); break;
            case component::SessionAction::kEnd: session_ended_by_c2s(r.from, r.session); break;
            default: break;
        }
        return;
    }
    const auto it = sessions_.find(r.session);
    if (it == sessions_.end() || it->second->c2s != r.from) {
        // Not a session we have (we restarted, or it ended): close it there.
        send_control(r.from, r.session, {component::SessionAction::kEnd, {}, "reset"});
        return;
    }
    if (!stanza::is_stanza(*r.payload)) return;
    process_out(*it->second, std::move(*r.payload));
}

void SessionManager::on_name(const component::NamePresence& p) {
    if (p.available) {
        router_names_[p.name] = p.component;
    } else if (auto it = router_names_.find(p.name); it != router_names_.end() &&
                                                      it->second == p.component) {
        router_names_.erase(it);
    }
    if (is_local(p.name)) {
        HashRing& ring = rings_[p.name];
        const size_t before = ring.size();
        if (p.available) {
            ring.add(p.component);
        } else {
            ring.remove(p.component);
        }
        if (ring.size() != before) rebalance(p.name);
        return;
    }
    if (p.name != p.component) return;  // only primary names tell us a component came or went
    if (p.available) {
        c2s_known_.insert(p.name);
    } else {
        c2s_known_.erase(p.name);
        c2s_gone(p.name);
    }
}

void SessionManager::rebalance(std::string_view domain) {
    // Another session manager joined (or left) a shared domain: users the
    // ring now gives to someone else would keep their sessions here while
    // their stanzas go there. Their clients reconnect and land on the owner.
    std::vector<Session*> moved;
    for (auto& [id, s] : sessions_) {
        if (s->jid.domain() == domain && !owns(s->user->jid)) moved.push_back(s.get());
    }
    if (moved.empty()) return;
    log_.notice("{}: {} session(s) now belong to another session manager; ending them", domain,
                moved.size());
    for (Session* s : moved) end_session(*s, "reset");
}

void SessionManager::on_router_lost() {
    // Keep every session: the c2s may still be there when the router is back.
    // A grace period still running from an earlier reconnection must not
    // expire while no one can tell us which c2s exist: it starts over once
    // the router lists the names again.
    c2s_grace_timer_.stop();
    for (const auto& [id, s] : sessions_) c2s_before_loss_.insert(s->c2s);
    c2s_known_.clear();
    rings_.clear();
    router_names_.clear();
}

void SessionManager::on_names_synced() {
    if (!c2s_before_loss_.empty()) c2s_grace_timer_.start(config_.c2s_grace);
}

// ---- stanzas -----------------------------------------------------------

namespace {

// The chain keys' target for `to`. A JID without a node, <domain> or
// <domain/resource>, is the server's (RFC 6120 §10.5.1, §10.5.2): "host",
// with the resource left for the handler to look at (announce).
std::string_view chain_target(const Jid& to) {
    if (!to.has_node()) return "host";
    return to.is_bare() ? "bare" : "full";
}

}  // namespace

void SessionManager::process_out(Session& session, xml::Element&& stanza) {
    session.last_active = std::chrono::steady_clock::now();
    Packet p;
    p.kind = stanza::kind_of(stanza);
    p.session = &session;
    p.from = session.jid;  // authoritative, whatever the envelope carried
    stanza.set_attr("from", session.jid.str());
    std::string_view target = "none";
    if (const std::string* to = stanza.find_attr("to")) {
        auto parsed = Jid::parse(*to);
        if (!parsed) {
            if (stanza::can_bounce(stanza)) send_to(session, stanza::error_reply(stanza, "jid-malformed"));
            return;
        }
        p.to = std::move(*parsed);
    } else if (p.kind != stanza::Kind::kPresence) {
        // RFC 6120 §10.3: no 'to' means the user's own account.
        p.to = session.jid.bare();
    }
    if (p.to) target = chain_target(*p.to);
    p.stanza = std::move(stanza);
    const Verdict v = out_.dispatch(Chain::keys_for(p, target), p);
    if (v != Verdict::kPass) return;
    if (!p.to) return;  // a presence broadcast nobody handled: nothing to route
    if (!p.stanza.has_attr("to")) p.stanza.set_attr("to", p.to->str());
    // The addresses are parsed already, unless a module rewrote them or the
    // client wrote 'to' in another form.
    if (p.stanza.attr("to") == p.to->str() && p.stanza.attr("from") == p.from.str()) {
        route(std::move(p.stanza), std::move(p.from), std::move(*p.to));
    } else {
        route(std::move(p.stanza));
    }
}

void SessionManager::route(xml::Element&& stanza) {
    auto to = Jid::parse(stanza.attr("to"));
    auto from = Jid::parse(stanza.attr("from"));
    if (!to || !from) {
        log_.warning("not routing a stanza with bad addresses: to='{}' from='{}'",
                     stanza.attr("to"), stanza.attr("from"));
        return;
    }
    route(std::move(stanza), std::move(*from), std::move(*to));
}

void SessionManager::route(xml::Element&& stanza, Jid from, Jid to) {
    if (is_local(to.domain()) && (!to.has_node() || owns(to.bare()))) {
        process_in(std::move(stanza), std::move(from), std::move(to));
        return;
    }
    link_->send(stanza);
}

void SessionManager::process_in(xml::Element&& stanza, Jid from, Jid to) {
    auto run = [this](Packet& p) {
        finish_in(p, in_.dispatch(Chain::keys_for(p, chain_target(*p.to)), p));
    };
    if (!to.has_node()) {
        Packet p{std::move(stanza), {}, std::move(from), std::move(to)};
        p.kind = stanza::kind_of(p.stanza);
        run(p);
        return;
    }
    const Jid bare = to.bare();
    with_user(bare, [this, run, s = std::move(stanza), from = std::move(from),
                     to = std::move(to)](Lookup lookup, User* user) mutable {
        Packet p{std::move(s), {}, std::move(from), std::move(to)};
        p.kind = stanza::kind_of(p.stanza);
        // The cache keeps a User for a missing account too (so a flood costs
        // one lookup); modules must see no user there, or they would store
        // messages and roster state for an account that does not exist.
        p.user = lookup == Lookup::kFound ? user : nullptr;
        if (lookup == Lookup::kError) {
            // The store is down: say so instead of pretending the user
            // does not exist (RFC 6120 §8.3.3.5).
            if (stanza::can_bounce(p.stanza)) {
                route(stanza::error_reply(p.stanza, "internal-server-error"));
            }
            return;
        }
        run(p);
    });
}

void SessionManager::finish_in(Packet& p, Verdict verdict) {
    if (verdict != Verdict::kPass) return;
    // Nobody handled it. RFC 6120 §8.4: an iq request needs an answer.
    if (p.kind == stanza::Kind::kIq && (p.type() == "get" || p.type() == "set")) {
        route(stanza::error_reply(p.stanza, "service-unavailable"));
    }
}

}  // namespace jng::sm
