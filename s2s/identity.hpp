// Does a peer's certificate name a domain? RFC 6125 as RFC 6120 §13.7.2.1
// profiles it for XMPP servers: DNS-ID (one wildcard label at most, leftmost),
// SRV-ID "_xmpp-server.<domain>", id-on-xmppAddr, and the CN only when the
// certificate has no subjectAltName identities at all.
#pragma once

#include <string_view>

#include "tls/tls.hpp"

namespace jng::s2s {

bool certificate_names(const tls::PeerCertificate& cert, std::string_view domain);

// True when the certificate verified against our trust store and names the
// domain: what SASL EXTERNAL and "authenticated by TLS" rely on.
inline bool certificate_authenticates(const tls::PeerCertificate& cert, std::string_view domain) {
    return cert.present && cert.chain_valid && certificate_names(cert, domain);
}

}  // namespace jng::s2s
