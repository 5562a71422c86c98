// The router: accepts components, authenticates them, keeps the routing
// table, and moves every stanza and envelope to the component that holds
// its destination (docs/protocol.md).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "component/protocol.hpp"
#include "component_conn.hpp"
#include "router_config.hpp"
#include "log.hpp"
#include "net/listener.hpp"
#include "net/loop.hpp"
#include "routing_table.hpp"
#include "string_map.hpp"

namespace jng::router {

class Router {
public:
    Router(net::Loop& loop, Log& log, RouterConfig config);
    ~Router();

    Status start();
    // SIGHUP: new secrets and ACLs apply to the next connections.
    void reload();
    uint16_t port() const { return listener_ ? listener_->port() : 0; }

    // From connections.
    bool claim_primary(ComponentConn& conn, const std::string& name);
    void on_online(ComponentConn& conn);
    // `raw`: the element's bytes when it may be relayed as received (see
    // xml::StreamEvent::raw), else empty.
    void on_element(ComponentConn& conn, xml::Element&& element, std::string_view raw);
    void on_closed(ComponentConn& conn, bool was_online);

private:
    void accept(int fd, std::string peer);
    void handle_bind(ComponentConn& conn, const xml::Element& element);
    void handle_unbind(ComponentConn& conn, const xml::Element& element);
    void handle_subscribe(ComponentConn& conn);
    void route_stanza(ComponentConn& from, xml::Element&& stanza, std::string_view raw);
    void route_envelope(ComponentConn& from, xml::Element&& envelope, std::string_view raw);
    // The connection for a destination name, falling back to the default route.
    ComponentConn* resolve(std::string_view name, std::string_view key);
    void deliver(ComponentConn& from, ComponentConn& to, xml::Element&& element,
                 std::string_view raw, bool envelope);
    void bounce(ComponentConn& sender, const xml::Element& stanza, std::string_view condition,
                std::string_view text = {});
    void bounce_envelope(ComponentConn& sender, xml::Element&& envelope,
                         std::string_view condition);
    void announce(const component::NamePresence& presence);

    net::Loop& loop_;
    Log& log_;
    RouterConfig config_;
    std::unique_ptr<net::Listener> listener_;
    std::unordered_map<ConnId, std::unique_ptr<ComponentConn>> conns_;
    StringMap<ConnId> primaries_;
    RoutingTable table_;
    ConnId next_id_ = 1;
    uint64_t dropped_ = 0;
};

}  // namespace jng::router
