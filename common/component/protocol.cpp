// Builders and readers for the component protocol extension.
#include "component/protocol.hpp"

#include "ns.hpp"
#include "tls/tls.hpp"
#include "xml/serializer.hpp"

namespace jng::component {

std::string handshake_digest(std::string_view stream_id, std::string_view secret) {
    std::string input;
    input.reserve(stream_id.size() + secret.size());
    input.append(stream_id).append(secret);
    return tls::sha1_hex(input);
}

xml::Element make_bind(std::string_view name, bool multi) {
    xml::Element e("bind", ns::kComponentExt);
    e.set_attr("name", name);
    if (multi) e.set_attr("multi", "true");
    return e;
}

xml::Element make_default_bind() {
    xml::Element e("bind", ns::kComponentExt);
    e.set_attr("default", "true");
    return e;
}

xml::Element make_subscribe() { return xml::Element("subscribe", ns::kComponentExt); }

xml::Element make_name_presence(const NamePresence& p) {
    xml::Element e("presence", ns::kComponentExt);
    e.set_attr("name", p.name);
    e.set_attr("component", p.component);
    if (!p.available) e.set_attr("type", "unavailable");
    return e;
}

std::optional<NamePresence> read_name_presence(const xml::Element& e) {
    if (!e.is("presence", ns::kComponentExt)) return std::nullopt;
    NamePresence p{std::string(e.attr("name")), std::string(e.attr("component")),
                   e.attr("type") != "unavailable"};
    if (p.name.empty() || p.component.empty()) return std::nullopt;
    return p;
}

bool is_route(const xml::Element& e) { return e.is("route", ns::kComponentExt); }

Route read_route(xml::Element& e) {
    Route r;
    r.from = e.attr("from");
    r.to = e.attr("to");
    r.user = e.attr("user");
    r.session = e.attr("session");
    r.type = e.attr("type");
    r.condition = e.attr("condition");
    r.payload = e.first_element();
    return r;
}

xml::Element make_route(const RouteAddress& address, xml::Element payload) {
    xml::Element e("route", ns::kComponentExt);
    e.set_attr("from", address.from);
    e.set_attr("to", address.to);
    if (!address.user.empty()) e.set_attr("user", address.user);
    e.set_attr("session", address.session);
    e.add_child(std::move(payload));
    return e;
}

void write_route(const RouteAddress& address, const xml::Element& payload, std::string& out) {
    const auto attr = [&out](std::string_view name, std::string_view value) {
        out.append(" ").append(name).append("='");
        xml::append_escaped_attr(out, value);
        out.push_back('\'');
    };
    out.append("<route xmlns='").append(ns::kComponentExt).push_back('\'');
    attr("from", address.from);
    attr("to", address.to);
    if (!address.user.empty()) attr("user", address.user);
    attr("session", address.session);
    out.push_back('>');
    xml::serialize(payload, out, xml::StreamContext{ns::kComponentAccept}, ns::kComponentExt);
    out.append("</route>");
}

namespace {
constexpr std::string_view kActionNames[] = {"start", "started", "failed", "end"};
}

xml::Element make_session(const SessionControl& control) {
    xml::Element e("session", ns::kComponentExt);
    e.set_attr("action", kActionNames[static_cast<int>(control.action)]);
    if (!control.jid.empty()) e.set_attr("jid", control.jid);
    if (!control.condition.empty()) e.set_attr("condition", control.condition);
    return e;
}

std::optional<SessionControl> read_session(const xml::Element& e) {
    if (!e.is("session", ns::kComponentExt)) return std::nullopt;
    const std::string_view action = e.attr("action");
    for (int i = 0; i < 4; ++i) {
        if (kActionNames[i] == action) {
            return SessionControl{static_cast<SessionAction>(i), std::string(e.attr("jid")),
                                  std::string(e.attr("condition"))};
        }
    }
    return std::nullopt;
}

}  // namespace jng::component
