// TLS over memory buffers: the event loop owns the socket and moves
// ciphertext in and out; the backend (OpenSSL or GnuTLS, chosen at build
// time) only transforms bytes. One interface, two implementations, the same
// tests.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace jng::tls {

enum class Role { kClient, kServer };

// RFC 5929 tls-unique (TLS <= 1.2 only) and RFC 9266 tls-exporter (TLS 1.3,
// and TLS 1.2 with extended master secret). kTlsUniqueAnyVersion is the
// RFC 5929 computation applied under TLS 1.3 too, as clients built on
// Python's ssl module (slixmpp) send it; RFC 9266 leaves tls-unique undefined
// there, so it is offered only where an operator allows it.
enum class ChannelBinding { kTlsUnique, kTlsExporter, kTlsUniqueAnyVersion };

struct ContextOptions {
    Role role = Role::kServer;
    std::string cert_file;  // PEM chain; required for servers
    std::string key_file;   // PEM private key; defaults to cert_file
    std::string ca_file;    // PEM bundle for verifying peers; empty: system store
    std::string ca_path;    // directory of hashed CA certificates
    bool request_client_cert = false;  // servers: ask (s2s SASL EXTERNAL), never require
    std::string min_version = "1.2";   // "1.2" or "1.3"
    std::string max_version;           // "1.2" or "1.3"; empty: the newest the backend has
    // Backend-specific: an OpenSSL cipher list (TLS <= 1.2 suites) or a GnuTLS
    // priority string (all suites; the versions above still apply). Empty:
    // the backend's default, forward-secret AEAD suites only.
    std::string ciphers;
};

// What the peer's certificate says, for s2s (RFC 6120 §13.7.1.2, RFC 6125).
struct PeerCertificate {
    bool present = false;
    bool chain_valid = false;           // verified against the trust store
    std::string verify_error;           // why not, when !chain_valid
    std::vector<std::string> dns_names; // subjectAltName dNSName
    std::vector<std::string> srv_names; // SRV-ID (id-on-dnsSRV), e.g. "_xmpp-server.example.com"
    std::vector<std::string> xmpp_addrs;  // id-on-xmppAddr
    std::string common_name;
};

class Session {
public:
    virtual ~Session() = default;

    // Ciphertext that arrived from the network; nothing refers to it after
    // the call returns.
    virtual Status feed(std::string_view ciphertext) = 0;
    // Appends decrypted application data to `out`; returns bytes appended.
    virtual size_t read(std::string& out) = 0;
    // Plaintext to send; buffered inside until the handshake completes.
    virtual Status write(std::string_view plaintext) = 0;
    // Appends ciphertext that must go to the network to `out`.
    virtual void drain(std::string& out) = 0;
    // Starts a clean shutdown (close_notify goes out through drain()).
    virtual void shutdown() = 0;

    virtual bool handshake_done() const = 0;
    // The peer sent close_notify.
    virtual bool peer_closed() const = 0;
    virtual std::string protocol_version() const = 0;  // "TLSv1.3"
    virtual std::string cipher() const = 0;

    // Channel binding data for SCRAM-*-PLUS; nullopt when this connection
    // cannot provide that type (tls-unique under TLS 1.3, before the handshake).
    virtual std::optional<std::string> channel_binding(ChannelBinding type) const = 0;

    virtual PeerCertificate peer_certificate() const = 0;
};

class Context {
public:
    virtual ~Context() = default;
    // A new session. For clients `server_name` is sent as SNI (unless it is an
    // address literal); the chain is verified during the handshake, but
    // matching the name against peer_certificate() (RFC 6125) is the caller's.
    virtual std::unique_ptr<Session> new_session(std::string_view server_name = {}) = 0;
    virtual Role role() const = 0;
};

// Implemented by the chosen backend.
Result<std::unique_ptr<Context>> create_context(const ContextOptions& options);
std::string_view backend_name();  // "openssl" or "gnutls"

// Digests for protocol use (XEP-0114 handshake, XEP-0185 dialback keys),
// provided by the same backend so the build links one crypto library.
std::string sha1_hex(std::string_view data);
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// PBKDF2 (RFC 8018 §5.2) with HMAC-SHA-1 or HMAC-SHA-256, filling `out`:
// SCRAM's SaltedPassword. The backend's takes half the time of libgsasl's
// portable one, and a PLAIN login or a new account costs one. False when
// the backend refuses (SHA-1 in a FIPS-only configuration, say).
enum class Prf { kHmacSha1, kHmacSha256 };
bool pbkdf2(Prf prf, std::string_view password, std::string_view salt, unsigned iterations,
            std::span<unsigned char> out);

}  // namespace jng::tls
