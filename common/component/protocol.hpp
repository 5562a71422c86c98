// The elements of our XEP-0114 extension (docs/protocol.md): bind, name
// presence, route envelopes and session control, built and read in one place.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace jng::component {

// XEP-0114 §3: hex(SHA-1(stream id ‖ secret)).
std::string handshake_digest(std::string_view stream_id, std::string_view secret);

xml::Element make_bind(std::string_view name, bool multi);
xml::Element make_default_bind();
xml::Element make_subscribe();

// <presence name= component= [type='unavailable']/>
struct NamePresence {
    std::string name;       // "*" for the default route
    std::string component;  // the primary name of the holder
    bool available = true;
};
xml::Element make_name_presence(const NamePresence& p);
std::optional<NamePresence> read_name_presence(const xml::Element& e);

// A route envelope, read: views into the element, valid while it lives.
struct Route {
    std::string_view from;
    std::string_view to;
    std::string_view user;
    std::string_view session;
    std::string_view type;       // "" or "error"
    std::string_view condition;  // with type='error'
    xml::Element* payload = nullptr;  // the stanza or <session/> inside, if any
};
bool is_route(const xml::Element& e);
Route read_route(xml::Element& e);

struct RouteAddress {
    std::string_view from;
    std::string_view to;
    std::string_view session;
    std::string_view user = {};
};
xml::Element make_route(const RouteAddress& address, xml::Element payload);
// What serializing make_route(address, payload) writes onto a component
// stream, without copying the payload into an envelope first.
void write_route(const RouteAddress& address, const xml::Element& payload, std::string& out);

// <session action= [jid=] [condition=]/> inside an envelope.
enum class SessionAction { kStart, kStarted, kFailed, kEnd };
struct SessionControl {
    SessionAction action;
    std::string jid;
    std::string condition;
};
xml::Element make_session(const SessionControl& control);
std::optional<SessionControl> read_session(const xml::Element& e);

}  // namespace jng::component
