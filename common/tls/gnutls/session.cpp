// The GnuTLS Session over memory buffers: handshake driving, record I/O, clean
// shutdown, and the channel bindings SCRAM-*-PLUS needs (RFC 5929, RFC 9266).
#include "tls/gnutls/session.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "tls/gnutls/certificate.hpp"
#include "tls/gnutls/errors.hpp"
#include "tls/hand_over.hpp"

namespace jng::tls::gnutls {
namespace {

// The largest TLS record payload; reading in pieces this size empties a
// record per call.
constexpr size_t kRecordSize = 16384;

// RFC 6066 §3: a HostName is at most 2^16-1 bytes on the wire, but DNS names
// stop at 255 (RFC 1035 §2.3.4), which is where OpenSSL draws the line too.
constexpr size_t kMaxServerName = 255;

// Consumed input is dropped from the front of the buffer once it is at least
// this large, so that one long feed() is not copied again for every record.
constexpr size_t kCompactAt = size_t{64} * 1024;

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

std::string to_string(const gnutls_datum_t& datum) {
    return {reinterpret_cast<const char*>(datum.data), datum.size};
}

}  // namespace

GnuTlsSession::GnuTlsSession(std::shared_ptr<Settings> settings, std::string_view server_name)
    : settings_(std::move(settings)) {
    // A failed setup has already recorded why in failure_.
    (void)setup(server_name);
}

Status GnuTlsSession::setup(std::string_view server_name) {
    const bool server = settings_->role == Role::kServer;
    const unsigned int flags = (server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NONBLOCK;
    gnutls_session_t raw = nullptr;
    if (const int rc = gnutls_init(&raw, flags); rc < 0) {
        return set_failed(library_error("TLS session setup failed", rc).message);
    }
    session_.reset(raw);
    gnutls_session_t session = session_.get();

    if (const int rc = gnutls_priority_set(session, settings_->priority.get()); rc < 0) {
        return set_failed(library_error("cannot set TLS priorities", rc).message);
    }
    if (const int rc =
            gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, settings_->credentials.get());
        rc < 0) {
        return set_failed(library_error("cannot set TLS credentials", rc).message);
    }
    gnutls_transport_set_ptr(session, this);
    gnutls_transport_set_push_function(session, push);
    gnutls_transport_set_pull_function(session, pull);
    gnutls_transport_set_pull_timeout_function(session, pull_timeout);
    // The event loop owns every timeout; GnuTLS's own handshake clock would
    // only fail a slow peer that the loop has chosen to wait for.
    gnutls_handshake_set_timeout(session, 0);
    gnutls_session_set_ptr(session, this);
    gnutls_handshake_set_hook_function(session, GNUTLS_HANDSHAKE_FINISHED, GNUTLS_HOOK_POST,
                                       on_finished);

    if (server) {
        if (settings_->request_client_cert) {
            // Asked for, never required, and never a reason to fail: the
            // verdict goes to peer_certificate() for the caller to judge.
            gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUEST);
            // No list of acceptable CAs (a system store's would fill several
            // records); OpenSSL sends none either unless told to.
            gnutls_certificate_send_x509_rdn_sequence(session, 1);
        }
        if (const int rc =
                gnutls_session_ticket_enable_server(session, settings_->ticket_key.get());
            rc < 0) {
            return set_failed(library_error("cannot enable session tickets", rc).message);
        }
        return {};
    }
    if (const auto name = sni_name(server_name)) {
        const int rc =
            name->size() > kMaxServerName
                ? GNUTLS_E_INVALID_REQUEST
                : gnutls_server_name_set(session, GNUTLS_NAME_DNS, name->data(), name->size());
        if (rc < 0) {
            return set_failed(library_error("cannot send server name " + *name, rc).message);
        }
    }
    // The client speaks first: its ClientHello waits in drain() from now on.
    return continue_handshake();
}

ssize_t GnuTlsSession::push(gnutls_transport_ptr_t self, const void* data, size_t size) {
    auto* session = static_cast<GnuTlsSession*>(self);
    session->network_out_.append(static_cast<const char*>(data), size);
    return static_cast<ssize_t>(size);
}

ssize_t GnuTlsSession::pull(gnutls_transport_ptr_t self, void* data, size_t size) {
    auto* session = static_cast<GnuTlsSession*>(self);
    const size_t available = session->network_in_.size() - session->network_in_offset_;
    if (available == 0) {
        // An empty buffer means "wait for more", not end of stream: the
        // event loop, which owns the socket, is the one that sees EOF.
        gnutls_transport_set_errno(session->session_.get(), EAGAIN);
        return -1;
    }
    const size_t taken = std::min(available, size);
    std::memcpy(data, session->network_in_.data() + session->network_in_offset_, taken);
    session->network_in_offset_ += taken;
    return static_cast<ssize_t>(taken);
}

// GnuTLS asks this only to learn whether pull() would return data; it must
// never wait, so "no data yet" is EAGAIN rather than a timeout.
int GnuTlsSession::pull_timeout(gnutls_transport_ptr_t self, unsigned int /*ms*/) {
    auto* session = static_cast<GnuTlsSession*>(self);
    if (session->network_in_.size() > session->network_in_offset_) return 1;
    gnutls_transport_set_errno(session->session_.get(), EAGAIN);
    return -1;
}

int GnuTlsSession::on_finished(gnutls_session_t session, unsigned int /*type*/,
                               unsigned int /*when*/, unsigned int incoming,
                               const gnutls_datum_t* message) {
    auto* self = static_cast<GnuTlsSession*>(gnutls_session_get_ptr(session));
    // The message comes without its handshake header: it is the verify_data.
    (incoming != 0 ? self->finished_received_ : self->finished_sent_) = to_string(*message);
    return 0;
}

Status GnuTlsSession::feed(std::string_view ciphertext) {
    if (state_ == State::kFailed) return Error{failure_};
    if (network_in_offset_ >= kCompactAt || network_in_offset_ == network_in_.size()) {
        network_in_.erase(0, network_in_offset_);
        network_in_offset_ = 0;
    }
    network_in_.append(ciphertext);
    if (state_ == State::kHandshaking) {
        if (auto s = continue_handshake(); !s) return s;
        if (state_ == State::kHandshaking) return {};
    }
    // Plaintext written during the handshake goes out as soon as it can,
    // before anything the peer sent is decrypted.
    if (auto s = flush_pending(); !s) return s;
    auto s = read_records();
    // An idle connection keeps no buffer sized for its largest flight.
    if (network_in_offset_ == network_in_.size()) {
        std::string().swap(network_in_);
        network_in_offset_ = 0;
    }
    return s;
}

Status GnuTlsSession::continue_handshake() {
    for (;;) {
        const size_t offset_before = network_in_offset_;
        const int rc = gnutls_handshake(session_.get());
        if (rc == GNUTLS_E_SUCCESS) {
            state_ = State::kOpen;
            handshake_done_ = true;
            peer_ = describe_peer_certificate(session_.get());
            return {};
        }
        switch (rc) {
            case GNUTLS_E_AGAIN:
            case GNUTLS_E_INTERRUPTED:
                if (more_input_after(offset_before)) continue;
                return {};
            // A warning (unrecognized_name, say) does not stop a handshake.
            case GNUTLS_E_WARNING_ALERT_RECEIVED:
                continue;
            // close_notify before the handshake is over: the peer gave up.
            case GNUTLS_E_SESSION_EOF:
                peer_closed_ = true;
                return set_failed(library_error("TLS handshake failed", rc).message);
            default:
                return set_failed_with_alert("TLS handshake failed", rc);
        }
    }
}

Status GnuTlsSession::read_records() {
    std::array<char, kRecordSize> buffer;
    for (;;) {
        const size_t offset_before = network_in_offset_;
        const ssize_t got = gnutls_record_recv(session_.get(), buffer.data(), buffer.size());
        if (got > 0) {
            inbox_.append(buffer.data(), static_cast<size_t>(got));
            continue;
        }
        if (got == 0) {
            // close_notify: the caller answers with shutdown() when it is
            // done writing; reading on would only repeat this.
            peer_closed_ = true;
            return {};
        }
        switch (got) {
            case GNUTLS_E_AGAIN:
            case GNUTLS_E_INTERRUPTED:
                // Under TLS 1.3 GnuTLS also says "again" after each
                // post-handshake message (a NewSessionTicket, a KeyUpdate)
                // with more input still unread behind it.
                if (more_input_after(offset_before)) continue;
                return {};
            case GNUTLS_E_WARNING_ALERT_RECEIVED:
                continue;
            case GNUTLS_E_REHANDSHAKE:
                refuse_renegotiation();
                continue;
            default:
                return set_failed_with_alert("TLS record error", static_cast<int>(got));
        }
    }
}

bool GnuTlsSession::more_input_after(size_t offset_before) const {
    // Progress since the call, and something left: call again. Without
    // progress, GnuTLS waits for bytes that have not arrived yet.
    return network_in_offset_ > offset_before && network_in_offset_ < network_in_.size();
}

void GnuTlsSession::refuse_renegotiation() {
    (void)gnutls_alert_send(session_.get(), GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
}

size_t GnuTlsSession::read(std::string& out) {
    const size_t n = inbox_.size();
    hand_over(inbox_, out);
    return n;
}

Status GnuTlsSession::write(std::string_view plaintext) {
    if (state_ == State::kFailed) return Error{failure_};
    if (shutdown_sent_) return fail("TLS write after shutdown");
    if (plaintext.empty()) return {};
    if (state_ == State::kHandshaking || !pending_.empty()) {
        pending_.append(plaintext);
        return {};
    }
    const auto taken = write_records(plaintext);
    if (!taken) return taken.error();
    pending_.append(plaintext.substr(*taken));
    return {};
}

Status GnuTlsSession::flush_pending() {
    if (pending_.empty()) return {};
    const auto taken = write_records(pending_);
    if (!taken) return taken.error();
    pending_.erase(0, *taken);
    return {};
}

Result<size_t> GnuTlsSession::write_records(std::string_view plaintext) {
    size_t total = 0;
    while (total < plaintext.size()) {
        // At most one record (16 KiB) per call.
        const ssize_t sent =
            gnutls_record_send(session_.get(), plaintext.data() + total, plaintext.size() - total);
        if (sent > 0) {
            total += static_cast<size_t>(sent);
            continue;
        }
        // push() never refuses, so GnuTLS only says "again" when it first
        // needs something from the peer; the rest stays in pending_ for the
        // next feed(), which offers the same bytes again as GnuTLS requires.
        if (sent == GNUTLS_E_AGAIN || sent == GNUTLS_E_INTERRUPTED) return total;
        return set_failed_with_alert("TLS write failed", static_cast<int>(sent));
    }
    return total;
}

void GnuTlsSession::drain(std::string& out) {
    // Also after a failure: the alert telling the peer why is worth sending.
    hand_over(network_out_, out);
}

void GnuTlsSession::shutdown() {
    if (state_ == State::kFailed || shutdown_sent_) return;
    shutdown_sent_ = true;
    // Before the handshake there are no keys to protect a close_notify with;
    // the caller just closes the socket.
    if (state_ == State::kHandshaking) {
        pending_.clear();
        return;
    }
    if (auto s = flush_pending(); !s) return;
    // Whatever GnuTLS could not take yet can no longer follow a close_notify.
    pending_.clear();
    // Unidirectional: GNUTLS_SHUT_WR sends close_notify and returns without
    // waiting for the peer's, which is all a memory-buffer session can do.
    (void)gnutls_bye(session_.get(), GNUTLS_SHUT_WR);
}

std::string GnuTlsSession::protocol_version() const {
    if (!handshake_done_) return {};
    // The OpenSSL spelling ("TLSv1.3"), which logs and tests already know.
    switch (gnutls_protocol_get_version(session_.get())) {
        case GNUTLS_TLS1_2:
            return "TLSv1.2";
        case GNUTLS_TLS1_3:
            return "TLSv1.3";
        default: {
            const char* name =
                gnutls_protocol_get_name(gnutls_protocol_get_version(session_.get()));
            return name != nullptr ? name : std::string();
        }
    }
}

std::string GnuTlsSession::cipher() const {
    if (!handshake_done_) return {};
    // The IANA name ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"); OpenSSL's names
    // for TLS 1.2 suites are its own ("ECDHE-RSA-AES256-GCM-SHA384").
    const char* name = gnutls_ciphersuite_get(session_.get());
    return name != nullptr ? name : std::string();
}

std::optional<std::string> GnuTlsSession::channel_binding(ChannelBinding type) const {
    if (!handshake_done_) return std::nullopt;
    switch (type) {
        case ChannelBinding::kTlsUnique:
            return tls_unique(false);
        case ChannelBinding::kTlsUniqueAnyVersion:
            return tls_unique(true);
        case ChannelBinding::kTlsExporter:
            return tls_exporter();
    }
    return std::nullopt;
}

std::optional<std::string> GnuTlsSession::tls_unique(bool any_version) const {
    if (gnutls_protocol_get_version(session_.get()) != GNUTLS_TLS1_3) {
        OwnedDatum binding;
        if (gnutls_session_channel_binding(session_.get(), GNUTLS_CB_TLS_UNIQUE, binding.get()) <
            0) {
            return std::nullopt;
        }
        return std::string(binding.view());
    }
    // RFC 9266 §1: TLS 1.3 has no tls-unique, and GnuTLS will not compute it
    // (GNUTLS_E_INVALID_REQUEST). The any-version variant is RFC 5929 §3.1's
    // rule applied anyway, from the Finished messages the hook kept: the
    // first Finished of the handshake, which is the client's in a full
    // handshake and the server's when a session is resumed, exactly as the
    // OpenSSL backend (and Python's ssl module) choose it.
    if (!any_version) return std::nullopt;
    const bool client_first = gnutls_session_is_resumed(session_.get()) == 0;
    const bool ours_first = (settings_->role == Role::kClient) == client_first;
    const std::string& finished = ours_first ? finished_sent_ : finished_received_;
    if (finished.empty()) return std::nullopt;
    return finished;
}

std::optional<std::string> GnuTlsSession::tls_exporter() const {
    // RFC 9266 §3: under TLS 1.2 the exporter is only safe to bind to when
    // the extended master secret (RFC 7627) ties it to this handshake.
    if (gnutls_protocol_get_version(session_.get()) != GNUTLS_TLS1_3 &&
        gnutls_session_ext_master_secret_status(session_.get()) == 0) {
        return std::nullopt;
    }
    // RFC 9266 §2: label "EXPORTER-Channel-Binding", an empty context, 32
    // bytes. Under TLS 1.2 an empty context is not the same as none (RFC 5705
    // §4 hashes in its length); GnuTLS passes the empty one.
    OwnedDatum binding;
    if (gnutls_session_channel_binding(session_.get(), GNUTLS_CB_TLS_EXPORTER, binding.get()) < 0) {
        return std::nullopt;
    }
    return std::string(binding.view());
}

Error GnuTlsSession::set_failed_with_alert(std::string_view what, int code) {
    if (state_ != State::kFailed) (void)gnutls_alert_send_appropriate(session_.get(), code);
    return set_failed(library_error(what, code).message);
}

Error GnuTlsSession::set_failed(std::string message) {
    if (state_ != State::kFailed) {
        state_ = State::kFailed;
        failure_ = std::move(message);
        pending_.clear();
    }
    return Error{failure_};
}

}  // namespace jng::tls::gnutls
