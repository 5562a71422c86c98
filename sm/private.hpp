// The private module's rules, apart from the module so that they can be
// tested alone: which namespaces a client may keep private XML under, and
// what a jabber:iq:private request asks for.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace jng::sm::private_xml {

// XEP-0049 §2.3: namespaces reserved in XMPP - those beginning with
// 'jabber:' (jabber:client, jabber:server, jabber:iq:*, …) or
// 'http://jabber.org/', and vcard-temp - and those of the streams and
// stanzas themselves (RFC 6120: urn:ietf:params:xml:ns:xmpp-*,
// http://etherx.jabber.org/streams). A namespace-less element is refused
// too: it has no namespace to be stored under.
bool reserved(std::string_view ns);

// What is wrong with a <query xmlns='jabber:iq:private'/>: a condition and
// a text, or an empty condition for a request we serve.
struct Problem {
    std::string_view condition;
    std::string text;
};

// The request must hold exactly one element (a get names one namespace;
// a set keeps one element per namespace) in a namespace that is not
// reserved.
Problem check(const xml::Element& query);

}  // namespace jng::sm::private_xml
