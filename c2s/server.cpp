// Server: accepting clients and talking to the session managers.
#include "server.hpp"

#include "client_stream.hpp"
#include "component/protocol.hpp"
#include "ns.hpp"
#include "random.hpp"
#include "stanza.hpp"
#include "systemd.hpp"

namespace jng::c2s {

using component::SessionAction;

Server::Server(net::Loop& loop, Log& log, C2sConfig config)
    : loop_(loop),
      log_(log),
      config_(std::move(config)),
      sm_grace_timer_(loop, [this] {
          // Whoever has not bound again by now is gone, and so is the
          // session state of its clients.
          const StringSet late = std::move(sm_before_loss_);
          sm_before_loss_.clear();
          for (const std::string& sm : late) {
              if (!sm_components_.count(sm)) sm_gone(sm);
          }
      }),
      hibernate_timer_(loop, [this] { hibernate_quiet_sessions(); }),
      instance_tag_(random_hex(4)) {}

Server::~Server() {
    // Streams go before the storage and workers their callbacks use.
    streams_.clear();
}

void Server::hibernate_quiet_sessions() {
    size_t freed = 0;
    for (auto& [id, stream] : streams_) {
        if (stream->hibernate_if_quiet()) ++freed;
    }
    // The memory stays with the process (it lies between live sessions'
    // allocations) and is what the next logins are made of.
    if (freed > 0) log_.debug("{} quiet sessions gave their XML parser back", freed);
}

Status Server::start() {
    if (!config_.cert_file.empty()) {
        tls::ContextOptions opts;
        opts.role = tls::Role::kServer;
        opts.cert_file = config_.cert_file;
        opts.key_file = config_.key_file;
        auto ctx = tls::create_context(opts);
        if (!ctx) return fail("TLS: " + ctx.message());
        tls_ = std::move(*ctx);
    }
    auto sasl = sasl::Server::create();
    if (!sasl) return fail("SASL: " + sasl.message());
    sasl_ = std::move(*sasl);
    crypto_ = std::make_unique<WorkerPool>(loop_, config_.crypto_threads);
    auto factory = storage::make_factory(config_.storage);
    if (!factory) return fail("storage: " + factory.message());
    storage_ = std::make_unique<storage::Storage>(loop_, log_, std::move(*factory),
                                                  config_.storage.connections);

    for (const auto& l : config_.listeners) {
        if (l.port == 0 && config_.listeners.size() > 1) continue;
        const bool direct = l.direct_tls;
        auto listener = net::Listener::bind(loop_, log_, l.address, l.port, l.reuse_port,
                                            [this, direct](int fd, std::string peer) {
                                                accept(fd, std::move(peer), direct);
                                            });
        if (!listener) return listener.error();
        log_.info("listening for clients on {}:{}{}", l.address, (*listener)->port(),
                  direct ? " (direct TLS)" : "");
        listeners_.push_back(std::move(*listener));
    }

    component::Link::Handlers h;
    h.on_ready = [this] {
        if (!ready_notified_) {
            ready_notified_ = true;
            systemd::notify_ready("serving " + std::to_string(config_.domains.size()) +
                                  " domain(s)");
        }
    };
    h.on_lost = [this] { on_router_lost(); };
    h.on_stanza = [this](xml::Element&& e) { on_router_element(std::move(e)); };
    // What the sm sends a client is written out as the sm wrote it.
    h.on_route_bytes = [this](xml::Element&& e, std::string_view payload) { on_route(e, payload); };
    h.on_name = [this](const component::NamePresence& p) { on_name(p); };
    h.on_names_synced = [this] { on_names_synced(); };
    link_ = std::make_unique<component::Link>(loop_, log_, config_.router, std::move(h));
    link_->start();
    if (config_.hibernate_after.count() > 0) {
        hibernate_timer_.start_repeating(config_.hibernate_after);
    }
    return {};
}

void Server::shutdown() {
    for (auto& [id, s] : streams_) {
        if (s->state() == ClientStream::State::kActive) end_session(*s);
        s->fail("system-shutdown");
    }
    if (link_) link_->stop();
}

uint16_t Server::port(size_t i) const { return i < listeners_.size() ? listeners_[i]->port() : 0; }

sasl::ChannelBindings Server::channel_bindings(const net::Stream& stream) const {
    sasl::ChannelBindings cb;
    if (const tls::Session* t = stream.tls(); t && t->handshake_done()) {
        const auto unique_type = config_.tls_unique_on_tls13
                                     ? tls::ChannelBinding::kTlsUniqueAnyVersion
                                     : tls::ChannelBinding::kTlsUnique;
        cb.tls_unique = t->channel_binding(unique_type).value_or("");
        cb.tls_exporter = t->channel_binding(tls::ChannelBinding::kTlsExporter).value_or("");
    }
    return cb;
}

bool Server::is_local_domain(std::string_view domain) const {
    return std::find(config_.domains.begin(), config_.domains.end(), domain) !=
           config_.domains.end();
}

bool Server::registration_allowed(const std::string& peer) {
    if (config_.registration_interval.count() == 0) return true;
    const std::string address = peer.substr(0, peer.rfind(':'));
    const auto now = std::chrono::steady_clock::now();
    // Forget addresses whose interval has passed, so the map stays small.
    std::erase_if(registrations_, [&](const auto& kv) {
        return now - kv.second >= config_.registration_interval;
    });
    if (registrations_.find(address) != registrations_.end()) return false;
    registrations_.emplace(address, now);
    return true;
}

void Server::accept(int fd, std::string peer, bool direct_tls) {
    // Session ids: this instance's name, a per-process tag (so a restarted
    // c2s never reuses an old id) and a counter.
    std::string id = config_.id + "." + instance_tag_ + "." + std::to_string(++session_counter_);
    auto stream = net::Stream::adopt(loop_, fd, std::move(peer));
    log_.debug("client {} connected from {}", id, stream->peer());
    auto client = std::make_unique<ClientStream>(*this, id, std::move(stream), direct_tls);
    streams_.emplace(std::move(id), std::move(client));
}

void Server::remove(ClientStream& stream) {
    // Called from the stream's own close callback: free it once that returns.
    loop_.defer([this, id = stream.id()] { streams_.erase(id); });
}

void Server::start_session(ClientStream& stream, Jid full) {
    const auto holders = domain_holders_.find(stream.domain());
    if (!link_->ready() || holders == domain_holders_.end() || holders->second.empty()) {
        log_.warning("no session manager for {} is connected; refusing bind of {}",
                     stream.domain(), full.str());
        stream.session_failed("resource-constraint");
        return;
    }
    const std::string user = full.bare_str();
    link_->send(component::make_route(
        {config_.id, stream.domain(), stream.id(), user},
        component::make_session({SessionAction::kStart, full.str(), {}})));
}

void Server::send_end(std::string_view sm, std::string_view session) {
    send_to_sm({config_.id, sm, session}, component::make_session({SessionAction::kEnd, {}, {}}));
}

bool Server::send_to_sm(const component::RouteAddress& address, xml::Element&& payload) {
    // Every stanza a client sends passes here: the envelope is written around
    // the payload rather than built as an element, except while it is held.
    if (sm_before_loss_.count(address.to) == 0) return link_->send_route(address, payload);
    xml::Element envelope = component::make_route(address, std::move(payload));
    // The same bound as the link's own queue for an outage (measured by the
    // element's footprint: serializing only to count would do the work twice).
    const size_t size = envelope.weight();
    if (held_bytes_ + size > config_.router.queue_limit_bytes) return false;
    held_bytes_ += size;
    held_[std::string(address.to)].push_back({std::move(envelope), size});
    return true;
}

void Server::release_held(const std::string& sm) {
    const auto it = held_.find(sm);
    if (it == held_.end()) return;
    std::vector<Held> held = std::move(it->second);
    held_.erase(it);
    log_.info("session manager {} is back: sending {} stanza(s) held for it", sm, held.size());
    for (const Held& h : held) {
        held_bytes_ -= h.bytes;
        link_->send(h.envelope);
    }
}

void Server::end_session(ClientStream& stream) {
    if (!stream.sm().empty()) send_end(stream.sm(), stream.id());
}

void Server::to_sm(ClientStream& stream, xml::Element&& stanza) {
    if (!send_to_sm({config_.id, stream.sm(), stream.id()}, std::move(stanza))) {
        stream.fail("resource-constraint", "the server is overloaded");
    }
}

void Server::on_router_element(xml::Element&& e) {
    if (component::is_route(e)) {
        on_route(e);
        return;
    }
    // Nothing but envelopes is addressed to a c2s.
    if (stanza::is_stanza(e) && stanza::can_bounce(e)) {
        link_->send(stanza::error_reply(e, "service-unavailable"));
    }
}

void Server::on_route(xml::Element& envelope, std::string_view payload) {
    const component::Route r = component::read_route(envelope);
    const auto it = streams_.find(r.session);
    ClientStream* stream = it == streams_.end() ? nullptr : it->second.get();
    if (r.type == "error") {
        // Our own envelope came back: its session manager is gone.
        if (stream) {
            if (stream->state() == ClientStream::State::kBinding) {
                stream->session_failed("resource-constraint");
            } else {
                stream->session_ended("reset");
            }
        }
        return;
    }
    if (!r.payload) return;
    const auto control = component::read_session(*r.payload);
    if (!stream) {
        // A session we no longer have: tell its sm, unless it is ending it.
        if (!control || control->action == SessionAction::kStarted) send_end(r.from, r.session);
        return;
    }
    if (!control) {
        stream->deliver(std::move(*r.payload), payload);
        return;
    }
    switch (control->action) {
        case SessionAction::kStarted: stream->session_started(std::string(r.from), control->jid); break;
        case SessionAction::kFailed: stream->session_failed(control->condition); break;
        case SessionAction::kEnd: stream->session_ended(control->condition); break;
        case SessionAction::kStart: break;
    }
}

void Server::on_name(const component::NamePresence& p) {
    if (!is_local_domain(p.name)) {
        if (!p.available && p.name == p.component && sm_components_.count(p.name)) {
            sm_gone(p.name);
        }
        return;
    }
    if (p.available) {
        domain_holders_[p.name].insert(p.component);
        sm_components_.insert(p.component);
        if (sm_before_loss_.erase(p.component) > 0) release_held(p.component);
    } else {
        domain_holders_[p.name].erase(p.component);
    }
}

void Server::on_router_lost() {
    // Clients stay connected, and what they send is held for their session
    // manager (send_to_sm); whether it survived the outage is known once the
    // router lists the names again. A grace period still running from an
    // earlier reconnection starts over then.
    sm_grace_timer_.stop();
    sm_before_loss_.insert(sm_components_.begin(), sm_components_.end());
    sm_components_.clear();
    domain_holders_.clear();
}

void Server::on_names_synced() {
    // Those listed are back (on_name released what was held for them). The
    // session managers reconnect at moments of their own: one missing from
    // the first listing may be a moment behind us. Give it the grace period
    // before its clients' sessions are written off (the sm does the same
    // for us, sessions@c2s-grace).
    if (!sm_before_loss_.empty()) sm_grace_timer_.start(config_.sm_grace);
}

void Server::sm_gone(const std::string& sm) {
    if (const auto it = held_.find(sm); it != held_.end()) {
        for (const Held& h : it->second) held_bytes_ -= h.bytes;
        held_.erase(it);
    }
    sm_components_.erase(sm);
    for (auto& [domain, holders] : domain_holders_) holders.erase(sm);
    // The session state lived in that sm: these clients must log in again.
    std::vector<ClientStream*> lost;
    for (auto& [id, s] : streams_) {
        if (s->sm() == sm) lost.push_back(s.get());
    }
    if (lost.empty()) return;
    // Logged before the streams end, so the line is there by the time a
    // client reads its <reset/>.
    log_.warning("session manager {} is gone: closed {} client session(s)", sm, lost.size());
    for (ClientStream* s : lost) s->session_ended("reset");
}

}  // namespace jng::c2s
