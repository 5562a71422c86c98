// Building an SSL_CTX from ContextOptions, and the backend's entry points
// create_context() and backend_name().
#include "tls/openssl/context.hpp"

#include <openssl/err.h>

#include <cstdint>
#include <string>

#include "tls/openssl/errors.hpp"
#include "tls/openssl/session.hpp"

namespace jng::tls {
namespace openssl {
namespace {

// Forward-secret AEAD suites only, for TLS 1.2; TLS 1.3 suites are all of that
// kind already and keep OpenSSL's own order.
constexpr const char* kDefaultCiphers =
    "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL:!PSK:!SRP";

// Without a session id context, OpenSSL refuses to resume sessions whose peer
// was verified, turning a resumption attempt into a failed handshake.
constexpr std::string_view kSessionIdContext = "jabberd-ng";

Result<int> parse_version(std::string_view text, std::string_view option) {
    if (text == "1.2") return TLS1_2_VERSION;
    if (text == "1.3") return TLS1_3_VERSION;
    return fail("TLS " + std::string(option) + " must be \"1.2\" or \"1.3\", not \"" +
                std::string(text) + "\"");
}

// OpenSSL still verifies the chain and keeps its verdict for
// SSL_get_verify_result(); accepting here only lets the handshake finish, so
// that the caller decides what an unverified peer may do (s2s falls back to
// dialback, and does RFC 6125 name matching itself).
int keep_handshaking(int /*preverify_ok*/, X509_STORE_CTX* /*store*/) { return 1; }

Status set_versions(SSL_CTX* ctx, const ContextOptions& options) {
    const auto min = parse_version(options.min_version, "min_version");
    if (!min) return min.error();
    if (SSL_CTX_set_min_proto_version(ctx, *min) != 1) return queue_error("cannot set min_version");
    if (options.max_version.empty()) return {};
    const auto max = parse_version(options.max_version, "max_version");
    if (!max) return max.error();
    if (*max < *min) {
        return fail("TLS max_version " + options.max_version + " is below min_version " +
                    options.min_version);
    }
    if (SSL_CTX_set_max_proto_version(ctx, *max) != 1) return queue_error("cannot set max_version");
    return {};
}

Status load_identity(SSL_CTX* ctx, const ContextOptions& options) {
    const std::string& key_file = options.key_file.empty() ? options.cert_file : options.key_file;
    if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1) {
        return queue_error("cannot load certificate chain from " + options.cert_file);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        // The usual operator mistake, after a renewal: say it plainly.
        const unsigned long code = ERR_peek_last_error();
        if (ERR_GET_LIB(code) == ERR_LIB_X509 &&
            ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH) {
            return queue_error("private key in " + key_file +
                               " does not match the certificate in " + options.cert_file);
        }
        return queue_error("cannot load private key from " + key_file);
    }
    return {};
}

Status load_trust_store(SSL_CTX* ctx, const ContextOptions& options) {
    if (options.ca_file.empty() && options.ca_path.empty()) {
        if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            return queue_error("cannot load the system trust store");
        }
        return {};
    }
    const char* file = options.ca_file.empty() ? nullptr : options.ca_file.c_str();
    const char* path = options.ca_path.empty() ? nullptr : options.ca_path.c_str();
    if (SSL_CTX_load_verify_locations(ctx, file, path) != 1) {
        return queue_error("cannot load trust anchors from " +
                           (file != nullptr ? options.ca_file : options.ca_path));
    }
    return {};
}

Result<SslCtxPtr> build(const ContextOptions& options) {
    const bool server = options.role == Role::kServer;
    if (server && options.cert_file.empty()) return fail("a TLS server needs cert_file");

    SslCtxPtr ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
    if (!ctx) return queue_error("SSL_CTX_new failed");

    if (auto s = set_versions(ctx.get(), options); !s) return s.error();

    // Renegotiation is an attack surface XMPP never needs (RFC 6120 §5.3.5:
    // a new stream, not a new handshake); compression leaks secrets (CRIME).
    uint64_t flags = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION;
    if (server) flags |= SSL_OP_CIPHER_SERVER_PREFERENCE;
    SSL_CTX_set_options(ctx.get(), flags);
    // Idle XMPP connections are the norm; give their record buffers back.
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);

    // `ciphers` is OpenSSL's TLS <= 1.2 cipher string; TLS 1.3 suites are
    // configured apart and keep OpenSSL's defaults.
    const char* ciphers = options.ciphers.empty() ? kDefaultCiphers : options.ciphers.c_str();
    if (SSL_CTX_set_cipher_list(ctx.get(), ciphers) != 1) {
        return queue_error(std::string("unusable TLS cipher list \"") + ciphers + "\"");
    }

    if (server) {
        SSL_CTX_set_dh_auto(ctx.get(), 1);
        if (SSL_CTX_set_session_id_context(
                ctx.get(), reinterpret_cast<const unsigned char*>(kSessionIdContext.data()),
                kSessionIdContext.size()) != 1) {
            return queue_error("cannot set the session id context");
        }
    }

    // Clients present one too when they have it: s2s's outbound side offers
    // its certificate for SASL EXTERNAL (XEP-0178).
    if (!options.cert_file.empty()) {
        if (auto s = load_identity(ctx.get(), options); !s) return s.error();
    }

    // A server without request_client_cert sends no CertificateRequest at all.
    if (!server || options.request_client_cert) {
        if (auto s = load_trust_store(ctx.get(), options); !s) return s.error();
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, keep_handshaking);
    }
    // The certificate asked for is a remote server's (s2s, XEP-0178), so it is
    // judged as one: serverAuth, whichever side opened the connection. OpenSSL
    // would otherwise demand clientAuth, which public CAs stopped issuing to
    // servers in 2026; a clientAuth-only certificate never proves a domain.
    if (server && options.request_client_cert &&
        SSL_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER) != 1) {
        return queue_error("cannot set the certificate purpose");
    }
    return ctx;
}

}  // namespace

OpenSslContext::OpenSslContext(SslCtxPtr ctx, Role role) : ctx_(std::move(ctx)), role_(role) {}

std::unique_ptr<Session> OpenSslContext::new_session(std::string_view server_name) {
    return std::make_unique<OpenSslSession>(ctx_.get(), role_, server_name);
}

}  // namespace openssl

Result<std::unique_ptr<Context>> create_context(const ContextOptions& options) {
    openssl::ErrorQueueScope errors;
    auto ctx = openssl::build(options);
    if (!ctx) return ctx.error();
    return std::unique_ptr<Context>(
        std::make_unique<openssl::OpenSslContext>(std::move(*ctx), options.role));
}

std::string_view backend_name() { return "openssl"; }

}  // namespace jng::tls
