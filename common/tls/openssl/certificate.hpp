// What the peer's certificate says (RFC 6125 identifiers and the chain
// verdict), read out of an established OpenSSL connection.
#pragma once

#include <openssl/ssl.h>

#include "tls/tls.hpp"

namespace jng::tls::openssl {

// `present` stays false when the peer sent no certificate.
PeerCertificate describe_peer_certificate(const SSL* ssl);

}  // namespace jng::tls::openssl
