// The OpenSSL Session: one SSL object over a buffer BIO. Ciphertext from the
// network goes in through feed(), ciphertext for the network comes out of
// drain(); the event loop never lets OpenSSL near the socket.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tls/openssl/buffer_bio.hpp"
#include "tls/openssl/handles.hpp"
#include "tls/tls.hpp"

namespace jng::tls::openssl {

class OpenSslSession final : public Session {
public:
    // Never fails outright: a session that could not be set up is born in the
    // failed state and says why from its first feed() or write().
    OpenSslSession(SSL_CTX* ctx, Role role, std::string_view server_name);
    OpenSslSession(const OpenSslSession&) = delete;
    OpenSslSession& operator=(const OpenSslSession&) = delete;

    Status feed(std::string_view ciphertext) override;
    size_t read(std::string& out) override;
    Status write(std::string_view plaintext) override;
    void drain(std::string& out) override;
    void shutdown() override;

    bool handshake_done() const override { return handshake_done_; }
    bool peer_closed() const override { return peer_closed_; }
    std::string protocol_version() const override;
    std::string cipher() const override;
    std::optional<std::string> channel_binding(ChannelBinding type) const override;
    PeerCertificate peer_certificate() const override;

private:
    // kHandshaking → kOpen → kFailed, or kHandshaking → kFailed; kFailed is
    // final because OpenSSL forbids any further use of an SSL after a fatal
    // error (not even SSL_shutdown).
    enum class State { kHandshaking, kOpen, kFailed };

    Status setup(SSL_CTX* ctx, std::string_view server_name);
    Status process_input();
    Status continue_handshake();
    Status read_records();
    Status flush_pending();
    // Encrypts as much of `plaintext` as OpenSSL takes now; returns how much.
    Result<size_t> write_records(std::string_view plaintext);
    // Moves to kFailed (once) and returns the reason as an Error.
    Error set_failed_from_queue(std::string_view what, int ssl_error);
    Error set_failed(std::string message);

    std::optional<std::string> tls_unique(bool any_version) const;
    std::optional<std::string> tls_exporter() const;

    BioBuffers buffers_;  // before ssl_, whose BIO points here
    SslPtr ssl_;
    Role role_;
    State state_ = State::kHandshaking;
    bool handshake_done_ = false;  // stays true if the connection fails later
    bool shutdown_sent_ = false;
    bool peer_closed_ = false;
    std::string pending_;  // plaintext that OpenSSL has not taken yet
    std::string inbox_;    // decrypted application data not yet read()
    std::string leftover_; // ciphertext fed that OpenSSL did not read
    std::string failure_;
};

}  // namespace jng::tls::openssl
