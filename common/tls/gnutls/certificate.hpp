// What the peer's certificate says (RFC 6125 identifiers and the chain
// verdict), read out of an established GnuTLS session.
#pragma once

#include <gnutls/gnutls.h>

#include "tls/tls.hpp"

namespace jng::tls::gnutls {

// `present` stays false when the peer sent no certificate. The chain is
// verified here, against the session's trust store, for the serverAuth
// purpose whichever side is asking.
PeerCertificate describe_peer_certificate(gnutls_session_t session);

}  // namespace jng::tls::gnutls
