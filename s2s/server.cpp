// Server: the s2s daemon's wiring - router link, listeners, TLS contexts,
// the resolver client, and the tables of inbound streams and routes.
#include "server.hpp"

#include "component/protocol.hpp"
#include "dialback.hpp"
#include "inbound.hpp"
#include "jid.hpp"
#include "ns.hpp"
#include "outbound.hpp"
#include "random.hpp"
#include "stanza.hpp"
#include "systemd.hpp"

namespace jng::s2s {

namespace {
constexpr std::string_view kResolverNs = "urn:jabberd-ng:resolver:1";
constexpr auto kResolveTimeout = std::chrono::seconds(30);
}  // namespace

Server::Server(net::Loop& loop, Log& log, S2sConfig config)
    : loop_(loop), log_(log), config_(std::move(config)) {}

Server::~Server() {
    inbound_.clear();
    routes_.clear();
}

Status Server::start() {
    auto make = [this](tls::Role role, const std::string& cert,
                       const std::string& key) -> Result<std::unique_ptr<tls::Context>> {
        tls::ContextOptions o;
        o.role = role;
        o.cert_file = cert;
        o.key_file = key;
        o.ca_file = config_.ca_file;
        o.ca_path = config_.ca_path;
        // Ask inbound peers for their certificate: SASL EXTERNAL needs it.
        o.request_client_cert = role == tls::Role::kServer;
        return tls::create_context(o);
    };
    for (const auto& dc : config_.domain_certs) {
        if (dc.cert_file.empty()) continue;
        auto s = make(tls::Role::kServer, dc.cert_file, dc.key_file);
        if (!s) return fail("TLS for " + dc.domain + ": " + s.message());
        auto c = make(tls::Role::kClient, dc.cert_file, dc.key_file);
        if (!c) return fail("TLS for " + dc.domain + ": " + c.message());
        server_tls_.emplace(dc.domain, std::move(*s));
        client_tls_.emplace(dc.domain, std::move(*c));
    }
    if (!config_.cert_file.empty()) {
        auto s = make(tls::Role::kServer, config_.cert_file, config_.key_file);
        if (!s) return fail("TLS: " + s.message());
        server_tls_.emplace("", std::move(*s));
    }
    // The default client context presents the default certificate, if any.
    auto c = make(tls::Role::kClient, config_.cert_file, config_.key_file);
    if (!c) return fail("TLS: " + c.message());
    client_tls_.emplace("", std::move(*c));

    dialback_secret_ = config_.dialback_secret;
    if (dialback_secret_.empty()) {
        // XEP-0185 §2: a random secret works for one process; several s2s
        // processes must share a configured one.
        dialback_secret_ = random_hex(32);
    }

    for (const auto& l : config_.listeners) {
        const bool direct = l.direct_tls;
        auto listener = net::Listener::bind(loop_, log_, l.address, l.port, l.reuse_port,
                                            [this, direct](int fd, std::string peer) {
                                                accept(fd, std::move(peer), direct);
                                            });
        if (!listener) return listener.error();
        log_.info("listening for servers on {}:{}{}", l.address, (*listener)->port(),
                  direct ? " (direct TLS)" : "");
        listeners_.push_back(std::move(*listener));
    }

    component::Link::Handlers h;
    h.on_ready = [this] {
        if (!ready_notified_) {
            ready_notified_ = true;
            systemd::notify_ready("federating");
        }
    };
    h.on_stanza = [this](xml::Element&& e) { on_router_element(std::move(e)); };
    h.on_name = [this](const component::NamePresence& p) { on_name(p); };
    h.on_lost = [this] { names_.clear(); };
    link_ = std::make_unique<component::Link>(loop_, log_, config_.router, std::move(h));
    link_->start();
    return {};
}

void Server::shutdown() {
    for (auto& [id, in] : inbound_) in->shutdown();
    for (auto& [remote, route] : routes_) route->shutdown();
    if (link_) link_->stop();
}

// ---- names and contexts ---------------------------------------------------

void Server::on_name(const component::NamePresence& p) {
    if (p.name == "*") return;
    if (p.available) {
        names_[p.name] = p.component;
    } else {
        names_.erase(p.name);
    }
}

bool Server::is_local(std::string_view domain) const {
    const auto it = names_.find(domain);
    return it != names_.end() && it->second != config_.id && domain != config_.id;
}

tls::Context* Server::server_tls(std::string_view local) {
    if (auto it = server_tls_.find(local); it != server_tls_.end()) return it->second.get();
    if (auto it = server_tls_.find(std::string_view()); it != server_tls_.end()) {
        return it->second.get();
    }
    return nullptr;
}

tls::Context* Server::client_tls(std::string_view local) {
    if (auto it = client_tls_.find(local); it != client_tls_.end()) return it->second.get();
    return client_tls_.find(std::string_view())->second.get();
}

bool Server::has_certificate(std::string_view local) const {
    return server_tls_.find(local) != server_tls_.end() || !config_.cert_file.empty();
}

std::string Server::dialback_key(std::string_view receiving, std::string_view originating,
                                 std::string_view stream_id) const {
    return dialback::key(dialback_secret_, receiving, originating, stream_id);
}

// ---- inbound ----------------------------------------------------------------

std::string Server::ip_of(const std::string& peer) const {
    const auto colon = peer.rfind(':');
    return colon == std::string::npos ? peer : peer.substr(0, colon);
}

void Server::accept(int fd, std::string peer, bool direct_tls) {
    auto stream = net::Stream::adopt(loop_, fd, std::move(peer));
    const std::string ip = ip_of(stream->peer());
    size_t& from_ip = inbound_per_ip_[ip];
    if (inbound_.size() >= config_.max_inbound || from_ip >= config_.max_inbound_per_ip) {
        // A flood of connections must not starve the servers already here.
        log_.warning("refusing connection from {}: {} inbound, {} from that address",
                     stream->peer(), inbound_.size(), from_ip);
        if (from_ip == 0) inbound_per_ip_.erase(ip);
        stream->abort("too many connections");
        loop_.defer([s = std::shared_ptr<net::Stream>(std::move(stream))] {});
        return;
    }
    ++from_ip;
    const uint64_t id = next_inbound_++;
    log_.debug("inbound {} from {}{}", id, stream->peer(), direct_tls ? " (direct TLS)" : "");
    inbound_.emplace(id, std::make_unique<InStream>(*this, id, std::move(stream), direct_tls));
}

void Server::inbound_closed(InStream& stream) {
    const std::string ip = ip_of(stream.peer());
    if (auto it = inbound_per_ip_.find(ip); it != inbound_per_ip_.end() && --it->second == 0) {
        inbound_per_ip_.erase(it);
    }
    loop_.defer([this, id = stream.id()] { inbound_.erase(id); });
}

void Server::to_router(const xml::Element& stanza) { link_->send(stanza); }

void Server::bounce(const xml::Element& stanza, std::string_view condition, std::string_view text) {
    if (stanza::can_bounce(stanza)) link_->send(stanza::error_reply(stanza, condition, text));
}

// ---- outbound ---------------------------------------------------------------

OutRoute& Server::route_to(std::string_view remote) {
    auto it = routes_.find(remote);
    if (it == routes_.end()) {
        // Forget routes nobody uses any more before adding one.
        std::erase_if(routes_, [](const auto& kv) { return kv.second->idle(); });
        it = routes_
                 .emplace(std::string(remote),
                          std::make_unique<OutRoute>(*this, std::string(remote)))
                 .first;
    }
    return *it->second;
}

void Server::verify_key(std::string_view originating, std::string_view receiving,
                        std::string_view stream_id, std::string_view key,
                        std::function<void(const dialback::Verdict&)> done) {
    route_to(originating)
        .verify(std::string(receiving), std::string(stream_id), std::string(key), std::move(done));
}

void Server::on_router_element(xml::Element&& e) {
    if (!stanza::is_stanza(e)) return;
    if (e.attr("to") == config_.id) {
        if (e.name() == "iq") on_resolver_answer(e);
        return;
    }
    auto from = Jid::parse(e.attr("from"));
    auto to = Jid::parse(e.attr("to"));
    if (!from || !to) return;
    if (is_local(to->domain())) {
        // A local domain reached us through the default route: it just went
        // away at the router. Nothing to federate.
        bounce(e, "service-unavailable");
        return;
    }
    route_to(to->domain()).send(from->domain(), std::move(e));
}

// ---- the resolver -----------------------------------------------------------

void Server::resolve(std::string_view domain, std::function<void(Resolution)> done) {
    const std::string id = "r" + std::to_string(next_iq_++);
    xml::Element iq("iq", ns::kClient);
    iq.set_attr("type", "get");
    iq.set_attr("id", id);
    iq.set_attr("from", config_.id);
    iq.set_attr("to", config_.resolver);
    iq.add("resolve", kResolverNs).set_attr("domain", domain);
    // Without an answer in time (the resolver is down), the route hears so.
    auto timer = std::make_unique<net::Timer>(loop_, [this, id] {
        loop_.defer([this, id] {
            if (auto it = resolving_.find(id); it != resolving_.end()) {
                auto cb = std::move(it->second.done);
                resolving_.erase(it);
                cb(Resolution{{}, "remote-server-timeout", "no answer from the resolver"});
            }
        });
    });
    timer->start(std::chrono::duration_cast<std::chrono::milliseconds>(kResolveTimeout));
    resolving_.emplace(id, PendingResolve{std::move(done), std::move(timer)});
    link_->send(iq);
}

void Server::on_resolver_answer(const xml::Element& iq) {
    const auto it = resolving_.find(iq.attr("id"));
    if (it == resolving_.end()) return;
    auto done = std::move(it->second.done);
    resolving_.erase(it);
    if (iq.attr("type") == "error") {
        const std::string condition = stanza::error_condition(iq);
        // docs/protocol.md §8: not-found is what DNS says; bad-request, a
        // name that cannot exist. Anything else may pass.
        if (condition == "remote-server-not-found" || condition == "bad-request") {
            done(Resolution{{}, "remote-server-not-found", "not found in DNS (" + condition + ")"});
        } else {
            done(Resolution{{}, "remote-server-timeout", "no DNS answer (" + condition + ")"});
        }
        return;
    }
    std::vector<Target> targets;
    if (const xml::Element* r = iq.child("resolve", kResolverNs)) {
        for (const xml::Element& t : r->elements()) {
            if (t.name() != "target") continue;
            Target target;
            target.host = t.attr("host");
            target.address = t.attr("address");
            const int port = std::atoi(std::string(t.attr("port", "5269")).c_str());
            if (target.address.empty() || port <= 0 || port > 65535) continue;
            target.port = static_cast<uint16_t>(port);
            target.direct_tls = t.attr("tls") == "direct";
            targets.push_back(std::move(target));
        }
    }
    if (targets.empty()) {
        done(Resolution{{}, "remote-server-not-found", "no usable target in the resolver's answer"});
        return;
    }
    done(Resolution{std::move(targets), {}, {}});
}

}  // namespace jng::s2s
