// XML namespaces used across the suite, named after the specification that
// defines them.
#pragma once

#include <string_view>

namespace jng::ns {

// RFC 6120
constexpr std::string_view kStream = "http://etherx.jabber.org/streams";
constexpr std::string_view kClient = "jabber:client";
constexpr std::string_view kServer = "jabber:server";
constexpr std::string_view kStreams = "urn:ietf:params:xml:ns:xmpp-streams";
constexpr std::string_view kStanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
constexpr std::string_view kTls = "urn:ietf:params:xml:ns:xmpp-tls";
constexpr std::string_view kSasl = "urn:ietf:params:xml:ns:xmpp-sasl";
constexpr std::string_view kBind = "urn:ietf:params:xml:ns:xmpp-bind";
constexpr std::string_view kXml = "http://www.w3.org/XML/1998/namespace";
// RFC 3921 legacy session establishment (draft-cridland-xmpp-session)
constexpr std::string_view kSession = "urn:ietf:params:xml:ns:xmpp-session";

// XEP-0114
constexpr std::string_view kComponentAccept = "jabber:component:accept";
// Our extension of XEP-0114 (docs/protocol.md)
constexpr std::string_view kComponentExt = "urn:jabberd-ng:component:1";
// Our DNS lookups for s2s (docs/protocol.md, "Resolver requests")
constexpr std::string_view kResolver = "urn:jabberd-ng:resolver:1";

// RFC 6121
constexpr std::string_view kRoster = "jabber:iq:roster";
constexpr std::string_view kRosterVer = "urn:xmpp:features:rosterver";
constexpr std::string_view kPreApproval = "urn:xmpp:features:pre-approval";

// XEPs
constexpr std::string_view kDiscoInfo = "http://jabber.org/protocol/disco#info";   // XEP-0030
constexpr std::string_view kDiscoItems = "http://jabber.org/protocol/disco#items"; // XEP-0030
constexpr std::string_view kRegister = "jabber:iq:register";                       // XEP-0077
constexpr std::string_view kRegisterFeature = "http://jabber.org/features/iq-register";
constexpr std::string_view kDataForms = "jabber:x:data";        // XEP-0004
constexpr std::string_view kDelay = "urn:xmpp:delay";           // XEP-0203
constexpr std::string_view kPing = "urn:xmpp:ping";             // XEP-0199
constexpr std::string_view kSaslCb = "urn:xmpp:sasl-cb:0";      // XEP-0440
constexpr std::string_view kCaps = "http://jabber.org/protocol/caps";  // XEP-0115
constexpr std::string_view kLast = "jabber:iq:last";            // XEP-0012
constexpr std::string_view kPrivate = "jabber:iq:private";      // XEP-0049
constexpr std::string_view kVcard = "vcard-temp";               // XEP-0054
constexpr std::string_view kPrivacy = "jabber:iq:privacy";                // XEP-0016
constexpr std::string_view kBlocking = "urn:xmpp:blocking";               // XEP-0191
constexpr std::string_view kBlockingErrors = "urn:xmpp:blocking:errors";  // XEP-0191

}  // namespace jng::ns
