// The s2s daemon: the default route at the router, listeners for remote
// servers, one outbound route per remote domain, and what both directions
// need - TLS contexts per local domain, dialback keys, the resolver.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "component/link.hpp"
#include "dialback.hpp"
#include "log.hpp"
#include "net/listener.hpp"
#include "net/loop.hpp"
#include "s2s_config.hpp"
#include "string_map.hpp"
#include "tls/tls.hpp"

namespace jng::s2s {

class InStream;
class OutRoute;

// One way to reach a remote server, from the resolver.
struct Target {
    std::string host;
    std::string address;
    uint16_t port = 5269;
    bool direct_tls = false;
};

// The resolver's answer for a remote domain: where to connect, or - without
// targets - the stanza error condition for what waits to go there, and why.
// remote-server-not-found is DNS's final word (no such domain, no XMPP
// service); anything else (remote-server-timeout) may pass.
struct Resolution {
    std::vector<Target> targets;
    std::string condition;
    std::string why;
};

class Server {
public:
    Server(net::Loop& loop, Log& log, S2sConfig config);
    ~Server();

    Status start();
    void shutdown();

    Log& log() { return log_; }
    net::Loop& loop() { return loop_; }
    const S2sConfig& config() const { return config_; }

    // A name held at the router by a component other than us: a domain of
    // this installation.
    bool is_local(std::string_view domain) const;
    // TLS contexts: as a server for inbound streams to `local`, as a client
    // presenting `local`'s certificate on outbound streams.
    tls::Context* server_tls(std::string_view local);
    tls::Context* client_tls(std::string_view local);
    bool has_certificate(std::string_view local) const;

    std::string dialback_key(std::string_view receiving, std::string_view originating,
                             std::string_view stream_id) const;

    // A stanza accepted from a remote server, on its way to a local domain.
    void to_router(const xml::Element& stanza);
    // An error for a local sender whose stanza could not be delivered.
    void bounce(const xml::Element& stanza, std::string_view condition, std::string_view text = {});

    // Server Dialback as the receiving server (XEP-0220 §2.2): asks the
    // authoritative server of `originating` whether `key` is valid for the
    // stream `stream_id` it opened to `receiving`.
    void verify_key(std::string_view originating, std::string_view receiving,
                    std::string_view stream_id, std::string_view key,
                    std::function<void(const dialback::Verdict&)> done);

    void resolve(std::string_view domain, std::function<void(Resolution)> done);

    // Inbound connection accounting (flood limits).
    void inbound_closed(InStream& stream);

private:
    void accept(int fd, std::string peer, bool direct_tls);
    void on_router_element(xml::Element&& element);
    void on_name(const component::NamePresence& presence);
    void on_resolver_answer(const xml::Element& iq);
    OutRoute& route_to(std::string_view remote);
    std::string ip_of(const std::string& peer) const;

    net::Loop& loop_;
    Log& log_;
    S2sConfig config_;
    std::unique_ptr<component::Link> link_;
    std::vector<std::unique_ptr<net::Listener>> listeners_;
    StringMap<std::unique_ptr<tls::Context>> server_tls_;  // by local domain ("" = default)
    StringMap<std::unique_ptr<tls::Context>> client_tls_;
    std::string dialback_secret_;

    std::unordered_map<uint64_t, std::unique_ptr<InStream>> inbound_;
    StringMap<size_t> inbound_per_ip_;
    uint64_t next_inbound_ = 1;
    StringMap<std::unique_ptr<OutRoute>> routes_;

    // Names held at the router and by whom (name presence).
    StringMap<std::string> names_;

    struct PendingResolve {
        std::function<void(Resolution)> done;
        std::unique_ptr<net::Timer> timeout;
    };
    StringMap<PendingResolve> resolving_;  // by iq id
    uint64_t next_iq_ = 1;
    bool ready_notified_ = false;
};

}  // namespace jng::s2s
