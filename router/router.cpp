// Router: binding, name presence, routing and bounces.
#include "router.hpp"

#include "jid.hpp"
#include "ns.hpp"
#include "stanza.hpp"
#include "systemd.hpp"

namespace jng::router {

using component::NamePresence;

Router::Router(net::Loop& loop, Log& log, RouterConfig config)
    : loop_(loop), log_(log), config_(std::move(config)) {}

Router::~Router() = default;

Status Router::start() {
    auto l = net::Listener::bind(loop_, log_, config_.address, config_.port, config_.reuse_port,
                                 [this](int fd, std::string peer) { accept(fd, std::move(peer)); });
    if (!l) return l.error();
    listener_ = std::move(*l);
    log_.info("listening for components on {}:{}", config_.address, listener_->port());
    // The router is ready as soon as components can connect.
    systemd::notify_ready("routing");
    return {};
}

void Router::reload() {
    auto users = load_users(config_.users_path, log_);
    if (!users) {
        log_.error("keeping the previous component list");
        return;
    }
    config_.components = std::move(*users);
    log_.notice("component list reloaded: {} entries", config_.components.size());
}

void Router::accept(int fd, std::string peer) {
    const ConnId id = next_id_++;
    auto stream = net::Stream::adopt(loop_, fd, std::move(peer));
    conns_.emplace(id, std::make_unique<ComponentConn>(*this, loop_, log_, config_, id,
                                                       std::move(stream)));
}

bool Router::claim_primary(ComponentConn& conn, const std::string& name) {
    // A primary name is unique, and no one else may have bound it either.
    if (primaries_.find(name) != primaries_.end() || table_.held(name)) return false;
    primaries_.emplace(name, conn.id());
    return true;
}

void Router::on_online(ComponentConn& conn) {
    (void)table_.bind(conn.primary(), conn.id(), conn.primary(), false);
    announce({conn.primary(), conn.primary(), true});
}

void Router::on_closed(ComponentConn& conn, bool was_online) {
    const ConnId id = conn.id();
    if (was_online) {
        primaries_.erase(conn.primary());
        for (const std::string& name : conn.names()) {
            table_.unbind(name, id);
            announce({name, conn.primary(), false});
        }
        if (conn.holds_default) {
            table_.unbind_default(id);
            announce({"*", conn.primary(), false});
        }
    }
    // The connection is still on the stack that called us.
    loop_.defer([this, id] { conns_.erase(id); });
}

void Router::on_element(ComponentConn& conn, xml::Element&& element, std::string_view raw) {
    if (stanza::is_stanza(element)) {
        route_stanza(conn, std::move(element), raw);
        return;
    }
    if (element.ns() == ns::kComponentExt) {
        const std::string& n = element.name();
        if (n == "route") {
            // A plain XEP-0114 component never sends envelopes; one that
            // does is trying to speak for a client session it does not own.
            if (!conn.may_send_envelopes) {
                conn.fail("policy-violation",
                          "route envelopes need <envelopes/> in router-users.xml");
                return;
            }
            return route_envelope(conn, std::move(element), raw);
        }
        if (n == "bind") return handle_bind(conn, element);
        if (n == "unbind") return handle_unbind(conn, element);
        if (n == "subscribe") return handle_subscribe(conn);
    }
    conn.fail("unsupported-stanza-type", "<" + element.name() + "/> in " + element.ns());
}

void Router::handle_bind(ComponentConn& conn, const xml::Element& element) {
    xml::Element answer("bind", ns::kComponentExt);
    const ComponentAcl* acl = config_.acl_for(conn.primary());
    if (element.attr("default") == "true") {
        answer.set_attr("default", "true");
        if (!acl || !acl->default_route) {
            answer.set_attr("error", "not-allowed");
        } else if (auto st = table_.bind_default(conn.id()); !st) {
            answer.set_attr("error", st.message());
        } else {
            conn.holds_default = true;
            log_.info("{} is the default route", conn.primary());
            announce({"*", conn.primary(), true});
        }
        conn.send(answer);
        return;
    }
    const std::string_view raw = element.attr("name");
    answer.set_attr("name", raw);
    auto name = jid::nameprep(raw);
    if (!name) {
        answer.set_attr("error", "bad-request");
    } else if (!acl || !acl->may_bind_name(*name)) {
        answer.set_attr("error", "not-allowed");
    } else if (primaries_.find(*name) != primaries_.end()) {
        answer.set_attr("error", "conflict");
    } else if (auto st = table_.bind(*name, conn.id(), conn.primary(),
                                     element.attr("multi") == "true");
               !st) {
        answer.set_attr("error", st.message());
    } else if (conn.names().insert(*name).second) {
        log_.info("{} bound {}", conn.primary(), *name);
        announce({*name, conn.primary(), true});
    }
    if (answer.has_attr("error")) {
        log_.warning("{} may not bind {}: {}", conn.primary(), raw, answer.attr("error"));
    }
    conn.send(answer);
}

void Router::handle_unbind(ComponentConn& conn, const xml::Element& element) {
    const std::string name(element.attr("name"));
    if (name == conn.primary() || !conn.names().erase(name)) return;
    table_.unbind(name, conn.id());
    announce({name, conn.primary(), false});
}

void Router::handle_subscribe(ComponentConn& conn) {
    conn.subscriber = true;
    for (const auto& [id, other] : conns_) {
        if (other->state() != ComponentConn::State::kOnline) continue;
        for (const std::string& name : other->names()) {
            conn.send(component::make_name_presence({name, other->primary(), true}));
        }
        if (other->holds_default) {
            conn.send(component::make_name_presence({"*", other->primary(), true}));
        }
    }
    conn.send(xml::Element("subscribed", ns::kComponentExt));
}

void Router::announce(const NamePresence& presence) {
    const xml::Element e = component::make_name_presence(presence);
    for (const auto& [id, c] : conns_) {
        if (c->subscriber && c->state() == ComponentConn::State::kOnline) c->send(e);
    }
}

ComponentConn* Router::resolve(std::string_view name, std::string_view key) {
    std::optional<ConnId> id = table_.resolve(name, key);
    if (!id) id = table_.default_route();
    if (!id) return nullptr;
    const auto it = conns_.find(*id);
    return it == conns_.end() ? nullptr : it->second.get();
}

void Router::route_stanza(ComponentConn& from, xml::Element&& s, std::string_view raw) {
    // RFC 6120 §4.9.3.9: a component may only send from the names it holds
    // (the default route: from any domain nobody else holds).
    const auto sender = Jid::parse(s.attr("from"));
    if (!sender) {
        from.fail("invalid-from", "missing or malformed 'from'");
        return;
    }
    const std::string& from_domain = sender->domain();
    const bool may_send = from.names().count(from_domain) > 0 ||
                          (from.holds_default && !table_.held(from_domain));
    if (!may_send) {
        from.fail("invalid-from", "'" + from_domain + "' is not a name of " + from.primary());
        return;
    }
    const auto to = Jid::parse(s.attr("to"));
    if (!to) {
        if (stanza::can_bounce(s)) {
            bounce(from, from.whole(std::move(s), raw), "jid-malformed", to.message());
        }
        return;
    }
    ComponentConn* target = resolve(to->domain(), to->bare_str());
    if (!target) {
        if (stanza::can_bounce(s)) {
            bounce(from, from.whole(std::move(s), raw), "remote-server-not-found");
        } else if (dropped_++ % 1000 == 0) {
            log_.info("dropping undeliverable {} of type {} to {}", s.name(), s.attr("type"),
                      to->str());
        }
        return;
    }
    deliver(from, *target, std::move(s), raw, false);
}

void Router::route_envelope(ComponentConn& from, xml::Element&& e, std::string_view raw) {
    const component::Route r = component::read_route(e);
    if (from.names().count(r.from) == 0) {
        from.fail("invalid-from", "envelope from '" + std::string(r.from) + "'");
        return;
    }
    ComponentConn* target = r.to.empty() ? nullptr : resolve(r.to, r.user);
    // An envelope is for one of our own components, never for the default route.
    if (target && !target->names().count(r.to) && !table_.held(r.to)) target = nullptr;
    if (!target) {
        bounce_envelope(from, from.whole(std::move(e), raw), "item-not-found");
        return;
    }
    deliver(from, *target, std::move(e), raw, true);
}

void Router::deliver(ComponentConn& from, ComponentConn& to, xml::Element&& element,
                     std::string_view raw, bool envelope) {
    if (to.congested()) {
        if (envelope) {
            bounce_envelope(from, from.whole(std::move(element), raw), "resource-constraint");
        } else if (stanza::can_bounce(element)) {
            bounce(from, from.whole(std::move(element), raw), "resource-constraint");
        }
        return;
    }
    // Every component stream has the default namespace jabber:component:accept,
    // so bytes whose prefixes are all their own mean the same on the next one.
    if (raw.empty()) {
        to.send(element);
    } else {
        to.send_raw(raw);
    }
}

void Router::bounce(ComponentConn& sender, const xml::Element& s, std::string_view condition,
                    std::string_view text) {
    log_.debug("bouncing {} from {} to {}: {}", s.name(), s.attr("from"), s.attr("to"), condition);
    sender.send(stanza::error_reply(s, condition, text));
}

void Router::bounce_envelope(ComponentConn& sender, xml::Element&& e, std::string_view condition) {
    if (e.attr("type") == "error") return;  // never bounce a bounce
    e.set_attr("type", "error");
    e.set_attr("condition", condition);
    sender.send(e);
}

}  // namespace jng::router
