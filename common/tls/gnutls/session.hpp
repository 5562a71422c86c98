// The GnuTLS Session: one gnutls_session_t whose transport is two buffers of
// ours, filled by feed() and emptied by drain(); GnuTLS never sees the socket.
#pragma once

#include <gnutls/gnutls.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tls/gnutls/context.hpp"
#include "tls/gnutls/handles.hpp"
#include "tls/tls.hpp"

namespace jng::tls::gnutls {

class GnuTlsSession final : public Session {
public:
    // Never fails outright: a session that could not be set up is born in the
    // failed state and says why from its first feed() or write().
    GnuTlsSession(std::shared_ptr<Settings> settings, std::string_view server_name);
    // GnuTLS keeps `this` as its transport pointer: the object must not move.
    GnuTlsSession(const GnuTlsSession&) = delete;
    GnuTlsSession& operator=(const GnuTlsSession&) = delete;

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
    PeerCertificate peer_certificate() const override { return peer_; }

private:
    // kHandshaking → kOpen → kFailed, or kHandshaking → kFailed; kFailed is
    // final, as in the OpenSSL backend: after a fatal error GnuTLS may only be
    // asked about what the handshake established.
    enum class State { kHandshaking, kOpen, kFailed };

    // The transport GnuTLS reads from and writes to: our buffers, with
    // EAGAIN standing for "nothing more until the next feed()".
    static ssize_t push(gnutls_transport_ptr_t self, const void* data, size_t size);
    static ssize_t pull(gnutls_transport_ptr_t self, void* data, size_t size);
    static int pull_timeout(gnutls_transport_ptr_t self, unsigned int ms);
    // Records each Finished message going either way (for tls-unique under
    // TLS 1.3, which GnuTLS itself refuses to compute).
    static int on_finished(gnutls_session_t session, unsigned int type, unsigned int when,
                           unsigned int incoming, const gnutls_datum_t* message);

    Status setup(std::string_view server_name);
    Status continue_handshake();
    Status read_records();
    Status flush_pending();
    // Encrypts as much of `plaintext` as GnuTLS takes now; returns how much.
    Result<size_t> write_records(std::string_view plaintext);
    // GnuTLS's "again" means "nothing more until the next feed()" only when
    // the call that said it consumed no input or left none unread.
    bool more_input_after(size_t offset_before) const;
    // Renegotiation is refused (RFC 6120 §5.3.5 wants a new stream, not a new
    // handshake) with a warning, as OpenSSL's SSL_OP_NO_RENEGOTIATION does.
    void refuse_renegotiation();
    // Sends the alert that tells the peer why (GnuTLS leaves that to us),
    // moves to kFailed (once) and returns the reason as an Error.
    Error set_failed_with_alert(std::string_view what, int code);
    Error set_failed(std::string message);

    std::optional<std::string> tls_unique(bool any_version) const;
    std::optional<std::string> tls_exporter() const;

    // Declared first so that it is destroyed last: session_ points into it.
    std::shared_ptr<Settings> settings_;
    SessionPtr session_;
    State state_ = State::kHandshaking;
    bool handshake_done_ = false;  // stays true if the connection fails later
    bool shutdown_sent_ = false;
    bool peer_closed_ = false;
    std::string network_in_;        // ciphertext fed in, not yet pulled by GnuTLS
    size_t network_in_offset_ = 0;  // how much of network_in_ GnuTLS has pulled
    std::string network_out_;       // ciphertext pushed by GnuTLS, not yet drained
    std::string pending_;           // plaintext that GnuTLS has not taken yet
    std::string inbox_;             // decrypted application data not yet read()
    std::string failure_;
    std::string finished_sent_;      // verify_data of the last Finished we sent
    std::string finished_received_;  // and of the last one the peer sent
    PeerCertificate peer_;           // judged once, when the handshake completes
};

}  // namespace jng::tls::gnutls
