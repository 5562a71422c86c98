// The c2s daemon: listeners, TLS, SASL, the account store, the client
// streams, and the router link to the session managers (docs/protocol.md).
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "component/link.hpp"
#include "c2s_config.hpp"
#include "jid.hpp"
#include "log.hpp"
#include "net/listener.hpp"
#include "net/loop.hpp"
#include "sasl/server.hpp"
#include "storage.hpp"
#include "string_map.hpp"
#include "tls/tls.hpp"
#include "worker_pool.hpp"
#include "xml/shared_names.hpp"

namespace jng::c2s {

class ClientStream;

class Server {
public:
    Server(net::Loop& loop, Log& log, C2sConfig config);
    ~Server();

    Status start();
    // Tells every client the server is going away and ends their sessions.
    void shutdown();

    Log& log() { return log_; }
    net::Loop& loop() { return loop_; }
    const C2sConfig& config() const { return config_; }
    tls::Context* tls_context() const { return tls_.get(); }
    // The XML name dictionary every client stream's parser shares.
    const std::shared_ptr<xml::SharedNames>& xml_names() const { return xml_names_; }
    sasl::Server& sasl() { return *sasl_; }
    sasl::ChannelBindings channel_bindings(const net::Stream& stream) const;
    storage::Storage& storage() { return *storage_; }
    WorkerPool& crypto() { return *crypto_; }
    bool is_local_domain(std::string_view domain) const;
    const std::string& default_domain() const { return config_.domains.front(); }
    // XEP-0077 throttle per client address.
    bool registration_allowed(const std::string& peer);
    uint16_t port(size_t listener) const;

    // Sessions at the session manager.
    void start_session(ClientStream& stream, Jid full);
    void end_session(ClientStream& stream);
    void to_sm(ClientStream& stream, xml::Element&& stanza);
    void remove(ClientStream& stream);

private:
    void accept(int fd, std::string peer, bool direct_tls);
    void on_router_element(xml::Element&& element);
    // `payload`: the bytes of what the envelope carries, when the link hands
    // them (then the envelope holds the payload's head only).
    void on_route(xml::Element& envelope, std::string_view payload = {});
    void on_name(const component::NamePresence& presence);
    void on_names_synced();
    void on_router_lost();
    void sm_gone(const std::string& sm);
    void send_end(std::string_view sm, std::string_view session);
    // Everything for a session manager goes through here, in an envelope
    // addressed to it; false when it had to be dropped.
    bool send_to_sm(const component::RouteAddress& address, xml::Element&& payload);
    void release_held(const std::string& sm);
    void hibernate_quiet_sessions();

    net::Loop& loop_;
    Log& log_;
    C2sConfig config_;
    std::unique_ptr<tls::Context> tls_;
    std::shared_ptr<xml::SharedNames> xml_names_ = std::make_shared<xml::SharedNames>();
    std::unique_ptr<sasl::Server> sasl_;
    std::unique_ptr<WorkerPool> crypto_;
    std::unique_ptr<storage::Storage> storage_;
    std::vector<std::unique_ptr<net::Listener>> listeners_;
    std::unique_ptr<component::Link> link_;
    StringMap<std::unique_ptr<ClientStream>> streams_;
    // Which session managers hold which of our domains (name presence).
    StringMap<std::set<std::string>> domain_holders_;
    StringSet sm_components_;
    StringSet sm_before_loss_;  // known before the router link dropped, not back yet
    net::Timer sm_grace_timer_;
    net::Timer hibernate_timer_;
    // Envelopes for those session managers, sent once they are back: sent
    // now, the router would bounce them and the sessions would end.
    struct Held {
        xml::Element envelope;
        size_t bytes;
    };
    StringMap<std::vector<Held>> held_;
    size_t held_bytes_ = 0;
    StringMap<std::chrono::steady_clock::time_point> registrations_;
    uint64_t session_counter_ = 0;
    std::string instance_tag_;
    bool ready_notified_ = false;
};

}  // namespace jng::c2s
