// Building GnuTLS credentials and priorities from ContextOptions, and the
// backend's entry points create_context() and backend_name().
#include "tls/gnutls/context.hpp"

#include <string>

#include "tls/gnutls/errors.hpp"
#include "tls/gnutls/session.hpp"

namespace jng::tls {
namespace gnutls {
namespace {

// Forward-secret key exchange and AEAD ciphers only, the same policy as the
// OpenSSL backend's cipher list. Under TLS 1.3 the cipher list also picks the
// suites: AES-GCM and ChaCha20-Poly1305, as OpenSSL offers by default.
constexpr std::string_view kDefaultPriority =
    "NORMAL:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA"
    ":-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM";

enum class Version { kTls12, kTls13 };

Result<Version> parse_version(std::string_view text, std::string_view option) {
    if (text == "1.2") return Version::kTls12;
    if (text == "1.3") return Version::kTls13;
    return fail("TLS " + std::string(option) + " must be \"1.2\" or \"1.3\", not \"" +
                std::string(text) + "\"");
}

// GnuTLS has no separate version limits: they are part of the priority
// string, appended to whatever selects the ciphers so that they always win.
Result<std::string> version_priorities(const ContextOptions& options) {
    const auto min = parse_version(options.min_version, "min_version");
    if (!min) return min.error();
    Version max = Version::kTls13;
    if (!options.max_version.empty()) {
        const auto parsed = parse_version(options.max_version, "max_version");
        if (!parsed) return parsed.error();
        if (*parsed < *min) {
            return fail("TLS max_version " + options.max_version + " is below min_version " +
                        options.min_version);
        }
        max = *parsed;
    }
    std::string text = ":-VERS-ALL";
    if (max == Version::kTls13) text += ":+VERS-TLS1.3";
    if (*min == Version::kTls12) text += ":+VERS-TLS1.2";
    return text;
}

// `ciphers` is, for this backend, a GnuTLS priority string ("SECURE256",
// "NORMAL:-CHACHA20-POLY1305"); unlike OpenSSL's cipher list it governs
// TLS 1.3 suites too. The version options are applied on top of it.
Result<PriorityPtr> build_priority(const ContextOptions& options) {
    const auto versions = version_priorities(options);
    if (!versions) return versions.error();
    std::string text(options.ciphers.empty() ? kDefaultPriority : options.ciphers);
    text += *versions;
    // The server's order decides, as SSL_OP_CIPHER_SERVER_PREFERENCE makes
    // it in the OpenSSL backend.
    if (options.role == Role::kServer) text += ":%SERVER_PRECEDENCE";

    // GnuTLS refuses here a string that selects no suite for the allowed
    // versions (GNUTLS_E_NO_PRIORITIES_WERE_SET), as OpenSSL refuses a cipher
    // list that matches nothing: the mistake shows at start, not per handshake.
    gnutls_priority_t raw = nullptr;
    const char* error_at = nullptr;
    const int rc = gnutls_priority_init(&raw, text.c_str(), &error_at);
    PriorityPtr priority(raw);
    if (rc < 0) {
        std::string message = "unusable TLS priority string \"" + text + "\"";
        // Where GnuTLS stopped reading, when that is not simply the start.
        if (error_at != nullptr && error_at != text.c_str() && *error_at != '\0') {
            message += " at \"" + std::string(error_at) + "\"";
        }
        return library_error(message, rc);
    }
    return priority;
}

// Reads a whole file as GnuTLS wants it for the *_mem functions, naming the
// file when that fails.
Status load_file(const std::string& path, std::string_view what, OwnedDatum& out) {
    if (const int rc = gnutls_load_file(path.c_str(), out.get()); rc < 0) {
        return library_error("cannot load " + std::string(what) + " from " + path, rc);
    }
    return {};
}

Status load_identity(gnutls_certificate_credentials_t credentials, const ContextOptions& options) {
    const std::string& key_file = options.key_file.empty() ? options.cert_file : options.key_file;
    // Read here rather than by gnutls_certificate_set_x509_key_file2, whose
    // errors do not say which of the two files was unreadable.
    OwnedDatum chain;
    OwnedDatum key;
    if (auto s = load_file(options.cert_file, "certificate chain", chain); !s) return s;
    if (auto s = load_file(key_file, "private key", key); !s) return s;
    const int rc = gnutls_certificate_set_x509_key_mem2(credentials, chain.get(), key.get(),
                                                        GNUTLS_X509_FMT_PEM, nullptr, 0);
    // The usual operator mistake, after a renewal: say it plainly.
    if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
        return library_error("private key in " + key_file + " does not match the certificate in " +
                                 options.cert_file,
                             rc);
    }
    if (rc < 0) {
        return library_error("cannot use the certificate chain in " + options.cert_file +
                                 " with the private key in " + key_file,
                             rc);
    }
    return {};
}

Status load_trust_store(gnutls_certificate_credentials_t credentials,
                        const ContextOptions& options) {
    if (options.ca_file.empty() && options.ca_path.empty()) {
        // A system without CA certificates installed is not an error here,
        // as it is not for OpenSSL: every peer then verifies as untrusted.
        if (const int rc = gnutls_certificate_set_x509_system_trust(credentials); rc < 0) {
            return library_error("cannot load the system trust store", rc);
        }
        return {};
    }
    if (!options.ca_file.empty()) {
        const int rc = gnutls_certificate_set_x509_trust_file(credentials, options.ca_file.c_str(),
                                                              GNUTLS_X509_FMT_PEM);
        if (rc < 0) return library_error("cannot load trust anchors from " + options.ca_file, rc);
        if (rc == 0) return fail("no trust anchors in " + options.ca_file);
    }
    // Every certificate file in the directory, hashed names or not.
    if (!options.ca_path.empty()) {
        const int rc = gnutls_certificate_set_x509_trust_dir(credentials, options.ca_path.c_str(),
                                                             GNUTLS_X509_FMT_PEM);
        if (rc < 0) return library_error("cannot load trust anchors from " + options.ca_path, rc);
    }
    return {};
}

Result<std::shared_ptr<Settings>> build(const ContextOptions& options) {
    const bool server = options.role == Role::kServer;
    if (server && options.cert_file.empty()) return fail("a TLS server needs cert_file");

    auto settings = std::make_shared<Settings>();
    settings->role = options.role;
    settings->request_client_cert = server && options.request_client_cert;

    auto priority = build_priority(options);
    if (!priority) return priority.error();
    settings->priority = std::move(*priority);

    gnutls_certificate_credentials_t raw = nullptr;
    if (const int rc = gnutls_certificate_allocate_credentials(&raw); rc < 0) {
        return library_error("cannot allocate TLS credentials", rc);
    }
    settings->credentials.reset(raw);
    gnutls_certificate_credentials_t credentials = settings->credentials.get();

    // Clients present one too when they have it: s2s's outbound side offers
    // its certificate for SASL EXTERNAL (XEP-0178).
    if (!options.cert_file.empty()) {
        if (auto s = load_identity(credentials, options); !s) return s.error();
    }
    // A server without request_client_cert sends no CertificateRequest at all.
    if (!server || options.request_client_cert) {
        if (auto s = load_trust_store(credentials, options); !s) return s.error();
    }

    if (server) {
        // For clients that offer no RFC 7919 group: the counterpart of
        // OpenSSL's automatic DH parameters (2048 bits).
        if (const int rc =
                gnutls_certificate_set_known_dh_params(credentials, GNUTLS_SEC_PARAM_MEDIUM);
            rc < 0) {
            return library_error("cannot set DH parameters", rc);
        }
        // Resumption by session ticket, which OpenSSL servers offer by default.
        if (const int rc = gnutls_session_ticket_key_generate(settings->ticket_key.get()); rc < 0) {
            return library_error("cannot create a session ticket key", rc);
        }
    }
    return settings;
}

}  // namespace

GnuTlsContext::GnuTlsContext(std::shared_ptr<Settings> settings) : settings_(std::move(settings)) {}

std::unique_ptr<Session> GnuTlsContext::new_session(std::string_view server_name) {
    return std::make_unique<GnuTlsSession>(settings_, server_name);
}

}  // namespace gnutls

Result<std::unique_ptr<Context>> create_context(const ContextOptions& options) {
    auto settings = gnutls::build(options);
    if (!settings) return settings.error();
    return std::unique_ptr<Context>(std::make_unique<gnutls::GnuTlsContext>(std::move(*settings)));
}

std::string_view backend_name() {
    return "gnutls";
}

}  // namespace jng::tls
