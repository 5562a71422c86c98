// The OpenSSL Session over the buffer BIO: handshake driving, record I/O, clean
// shutdown, and the channel bindings SCRAM-*-PLUS needs (RFC 5929, RFC 9266).
#include "tls/openssl/session.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>

#include <algorithm>
#include <array>
#include <climits>

#include "tls/hand_over.hpp"
#include "tls/openssl/buffer_bio.hpp"
#include "tls/openssl/certificate.hpp"
#include "tls/openssl/errors.hpp"

namespace jng::tls::openssl {
namespace {

// The largest TLS record payload; reading in pieces this size empties a
// record per call.
constexpr size_t kRecordSize = 16384;

// RFC 9266 §2.
constexpr std::string_view kExporterLabel = "EXPORTER-Channel-Binding";
constexpr size_t kExporterLength = 32;

// RFC 6066 §3: SNI carries host names only, never address literals, and
// without the trailing dot of an absolute name.
std::optional<std::string> sni_name(std::string_view server_name) {
    std::string name(server_name);
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (name.empty()) return std::nullopt;
    std::array<unsigned char, 16> address;
    if (inet_pton(AF_INET, name.c_str(), address.data()) == 1 ||
        inet_pton(AF_INET6, name.c_str(), address.data()) == 1) {
        return std::nullopt;
    }
    return name;
}

const char* ssl_error_name(int ssl_error) {
    switch (ssl_error) {
        case SSL_ERROR_SSL: return "protocol error";
        case SSL_ERROR_SYSCALL: return "unexpected end of data";
        case SSL_ERROR_ZERO_RETURN: return "peer closed the connection";
        default: return "unexpected TLS state";
    }
}

}  // namespace

OpenSslSession::OpenSslSession(SSL_CTX* ctx, Role role, std::string_view server_name)
    : role_(role) {
    ErrorQueueScope errors;
    // A failed setup has already recorded why in failure_.
    (void)setup(ctx, server_name);
}

Status OpenSslSession::setup(SSL_CTX* ctx, std::string_view server_name) {
    ssl_.reset(SSL_new(ctx));
    if (!ssl_) return set_failed(queue_error("TLS session setup failed").message);

    BioPtr bio(new_buffer_bio(buffers_));
    if (!bio) return set_failed(queue_error("TLS buffer setup failed").message);
    // One BIO both ways: SSL_set_bio takes a single reference for it.
    BIO* raw = bio.release();
    SSL_set_bio(ssl_.get(), raw, raw);

    if (role_ == Role::kServer) {
        SSL_set_accept_state(ssl_.get());
        return {};
    }
    SSL_set_connect_state(ssl_.get());
    if (const auto name = sni_name(server_name)) {
        if (SSL_set_tlsext_host_name(ssl_.get(), name->c_str()) != 1) {
            return set_failed(queue_error("cannot send server name " + *name).message);
        }
    }
    // The client speaks first: its ClientHello waits in drain() from now on.
    return continue_handshake();
}

Status OpenSslSession::feed(std::string_view ciphertext) {
    if (state_ == State::kFailed) return Error{failure_};
    ErrorQueueScope errors;
    // OpenSSL reads `ciphertext` where it lies; only what it leaves unread
    // (nothing, short of a close_notify or an error) is kept for next time.
    if (leftover_.empty()) {
        buffers_.input = ciphertext;
    } else {
        leftover_.append(ciphertext);
        buffers_.input = leftover_;
    }
    const Status status = process_input();
    if (buffers_.input.empty() || state_ == State::kFailed || peer_closed_) {
        std::string().swap(leftover_);
    } else {
        leftover_ = std::string(buffers_.input);
    }
    buffers_.input = {};
    return status;
}

Status OpenSslSession::process_input() {
    if (state_ == State::kHandshaking) {
        if (auto s = continue_handshake(); !s) return s;
        if (state_ == State::kHandshaking) return {};
    }
    // Plaintext written during the handshake goes out as soon as it can,
    // before anything the peer sent is decrypted.
    if (auto s = flush_pending(); !s) return s;
    return read_records();
}

Status OpenSslSession::continue_handshake() {
    const int rc = SSL_do_handshake(ssl_.get());
    if (rc == 1) {
        state_ = State::kOpen;
        handshake_done_ = true;
        return {};
    }
    const int ssl_error = SSL_get_error(ssl_.get(), rc);
    switch (ssl_error) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return {};
        case SSL_ERROR_ZERO_RETURN:
            peer_closed_ = true;
            [[fallthrough]];
        default:
            return set_failed_from_queue("TLS handshake failed", ssl_error);
    }
}

Status OpenSslSession::read_records() {
    std::array<char, kRecordSize> buffer;
    for (;;) {
        size_t got = 0;
        if (SSL_read_ex(ssl_.get(), buffer.data(), buffer.size(), &got) == 1) {
            inbox_.append(buffer.data(), got);
            continue;
        }
        const int ssl_error = SSL_get_error(ssl_.get(), 0);
        switch (ssl_error) {
            case SSL_ERROR_WANT_READ:
            case SSL_ERROR_WANT_WRITE:
                return {};
            case SSL_ERROR_ZERO_RETURN:
                // close_notify: the caller answers with shutdown() when it is
                // done writing; reading on would only repeat this.
                peer_closed_ = true;
                return {};
            default:
                return set_failed_from_queue("TLS record error", ssl_error);
        }
    }
}

size_t OpenSslSession::read(std::string& out) {
    const size_t n = inbox_.size();
    hand_over(inbox_, out);
    return n;
}

Status OpenSslSession::write(std::string_view plaintext) {
    if (state_ == State::kFailed) return Error{failure_};
    if (shutdown_sent_) return fail("TLS write after shutdown");
    if (plaintext.empty()) return {};
    if (state_ == State::kHandshaking || !pending_.empty()) {
        pending_.append(plaintext);
        return {};
    }
    ErrorQueueScope errors;
    const auto taken = write_records(plaintext);
    if (!taken) return taken.error();
    pending_.append(plaintext.substr(*taken));
    return {};
}

Status OpenSslSession::flush_pending() {
    if (pending_.empty()) return {};
    const auto taken = write_records(pending_);
    if (!taken) return taken.error();
    pending_.erase(0, *taken);
    if (pending_.empty()) std::string().swap(pending_);
    return {};
}

Result<size_t> OpenSslSession::write_records(std::string_view plaintext) {
    size_t total = 0;
    while (total < plaintext.size()) {
        size_t written = 0;
        if (SSL_write_ex(ssl_.get(), plaintext.data() + total, plaintext.size() - total,
                         &written) == 1) {
            total += written;
            continue;
        }
        const int ssl_error = SSL_get_error(ssl_.get(), 0);
        // The buffer BIO's output never fills up; a WANT_* here means
        // OpenSSL first needs something from the peer, and the rest stays
        // in pending_ for the next feed().
        if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE) return total;
        return set_failed_from_queue("TLS write failed", ssl_error);
    }
    return total;
}

void OpenSslSession::drain(std::string& out) {
    // Also after a failure: the alert telling the peer why is worth sending.
    hand_over(buffers_.output, out);
}

void OpenSslSession::shutdown() {
    if (state_ == State::kFailed || shutdown_sent_) return;
    shutdown_sent_ = true;
    // Before the handshake there are no keys to protect a close_notify with;
    // the caller just closes the socket.
    if (state_ == State::kHandshaking) {
        pending_.clear();
        return;
    }
    ErrorQueueScope errors;
    if (auto s = flush_pending(); !s) return;
    // Whatever OpenSSL could not take yet can no longer follow a close_notify.
    pending_.clear();
    // Unidirectional: 0 means "sent, the peer's has not arrived yet", which
    // is all a session without its own socket can wait for.
    (void)SSL_shutdown(ssl_.get());
}

std::string OpenSslSession::protocol_version() const {
    if (!handshake_done_) return {};
    return SSL_get_version(ssl_.get());
}

std::string OpenSslSession::cipher() const {
    if (!handshake_done_) return {};
    const SSL_CIPHER* current = SSL_get_current_cipher(ssl_.get());
    return current != nullptr ? SSL_CIPHER_get_name(current) : std::string();
}

std::optional<std::string> OpenSslSession::channel_binding(ChannelBinding type) const {
    if (!handshake_done_) return std::nullopt;
    switch (type) {
        case ChannelBinding::kTlsUnique: return tls_unique(false);
        case ChannelBinding::kTlsUniqueAnyVersion: return tls_unique(true);
        case ChannelBinding::kTlsExporter: return tls_exporter();
    }
    return std::nullopt;
}

std::optional<std::string> OpenSslSession::tls_unique(bool any_version) const {
    // RFC 9266 §1: TLS 1.3 has no tls-unique.
    if (!any_version && SSL_version(ssl_.get()) >= TLS1_3_VERSION) return std::nullopt;
    // RFC 5929 §3.1: the first Finished message of the latest handshake. In a
    // full handshake the client sends it; when a session is resumed, the
    // server does.
    const bool client_first = SSL_session_reused(ssl_.get()) == 0;
    const bool ours_first = (role_ == Role::kClient) == client_first;
    std::array<unsigned char, EVP_MAX_MD_SIZE> finished;
    const size_t size =
        ours_first ? SSL_get_finished(ssl_.get(), finished.data(), finished.size())
                   : SSL_get_peer_finished(ssl_.get(), finished.data(), finished.size());
    if (size == 0 || size > finished.size()) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(finished.data()), size);
}

std::optional<std::string> OpenSslSession::tls_exporter() const {
    // RFC 9266 §3: under TLS 1.2 the exporter is only safe to bind to when
    // the extended master secret (RFC 7627) ties it to this handshake.
    const int version = SSL_version(ssl_.get());
    if (version < TLS1_3_VERSION && SSL_get_extms_support(ssl_.get()) != 1) return std::nullopt;
    ErrorQueueScope errors;
    // RFC 9266 §2 asks for an empty context, and under TLS 1.2 an empty
    // context is not "no context" (RFC 5705 §4 hashes in its length); GnuTLS's
    // GNUTLS_CB_TLS_EXPORTER passes the empty one, and so do we.
    static constexpr unsigned char kEmptyContext = 0;
    std::array<unsigned char, kExporterLength> material;
    if (SSL_export_keying_material(ssl_.get(), material.data(), material.size(),
                                   kExporterLabel.data(), kExporterLabel.size(), &kEmptyContext, 0,
                                   1) != 1) {
        return std::nullopt;
    }
    return std::string(reinterpret_cast<const char*>(material.data()), material.size());
}

PeerCertificate OpenSslSession::peer_certificate() const {
    if (!handshake_done_) return {};
    return describe_peer_certificate(ssl_.get());
}

Error OpenSslSession::set_failed_from_queue(std::string_view what, int ssl_error) {
    std::string message(what);
    const std::string why = take_error_queue();
    message += ": ";
    message += why.empty() ? ssl_error_name(ssl_error) : why;
    return set_failed(std::move(message));
}

Error OpenSslSession::set_failed(std::string message) {
    if (state_ != State::kFailed) {
        state_ = State::kFailed;
        failure_ = std::move(message);
        pending_.clear();
    }
    return Error{failure_};
}

}  // namespace jng::tls::openssl
