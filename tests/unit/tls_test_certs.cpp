// The throw-away PKI and in-memory wire for the TLS tests: certificates are
// minted with OpenSSL at test time, so no key material is ever committed.
#include "tls_test_certs.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <utility>

namespace jng::tls::test {
namespace {

constexpr long kHour = 3600;
constexpr long kDay = 24 * kHour;

struct BioFree {
    void operator()(BIO* bio) const { BIO_free_all(bio); }
};
struct ExtensionFree {
    void operator()(X509_EXTENSION* ext) const { X509_EXTENSION_free(ext); }
};

[[noreturn]] void fail_setup(const std::string& what) {
    throw std::runtime_error("test PKI: " + what);
}

KeyPtr new_key() {
    // P-256 keys take microseconds to make, even under sanitizers.
    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key) fail_setup("EC key generation failed");
    return key;
}

void add_extension(X509* cert, X509V3_CTX& ctx, int nid, const std::string& value) {
    std::unique_ptr<X509_EXTENSION, ExtensionFree> ext(
        X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) fail_setup("bad extension " + value);
}

// `issuer` null: self-signed.
CertPtr new_certificate(const std::string& common_name, EVP_PKEY* key, X509* issuer, long serial,
                        bool expired) {
    CertPtr owned(X509_new());
    if (!owned) fail_setup("X509_new failed");
    X509* cert = owned.get();
    X509_set_version(cert, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
    if (expired) {
        X509_gmtime_adj(X509_getm_notBefore(cert), -2 * kDay);
        X509_gmtime_adj(X509_getm_notAfter(cert), -kDay);
    } else {
        X509_gmtime_adj(X509_getm_notBefore(cert), -kHour);
        X509_gmtime_adj(X509_getm_notAfter(cert), kDay);
    }
    X509_set_pubkey(cert, key);
    X509_NAME* subject = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                               -1, 0);
    X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(issuer) : subject);
    return owned;
}

void sign(X509* cert, EVP_PKEY* issuer_key) {
    if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) fail_setup("signing failed");
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
    std::unique_ptr<BIO, BioFree> out(BIO_new_file(path.c_str(), "w"));
    if (!out) fail_setup("cannot write " + path);
    if (cert != nullptr && PEM_write_bio_X509(out.get(), cert) != 1) fail_setup("PEM cert");
    if (key != nullptr &&
        PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        fail_setup("PEM key");
    }
}

std::string alt_names(const LeafSpec& spec) {
    std::string text;
    auto add = [&text](const std::string& entry) {
        if (!text.empty()) text += ',';
        text += entry;
    };
    for (const auto& name : spec.dns_names) add("DNS:" + name);
    for (const auto& name : spec.srv_names) add("otherName:1.3.6.1.5.5.7.8.7;IA5STRING:" + name);
    for (const auto& name : spec.xmpp_addrs) add("otherName:1.3.6.1.5.5.7.8.5;UTF8:" + name);
    for (const auto& entry : spec.extra_alt_names) add(entry);
    return text;
}

Status feed_all(Session& to, std::string_view bytes, size_t chunk, const char* side) {
    const size_t step = chunk == 0 ? bytes.size() : chunk;
    while (!bytes.empty()) {
        const auto piece = bytes.substr(0, step);
        if (auto s = to.feed(piece); !s) return fail(std::string(side) + ": " + s.message());
        bytes.remove_prefix(piece.size());
    }
    return {};
}

}  // namespace

Pki::Pki(const std::string& ca_name) {
    std::string pattern = (std::filesystem::temp_directory_path() / "jng-tls-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) fail_setup("mkdtemp failed");
    directory_ = pattern;
    ca_file_ = directory_ + "/ca.pem";

    ca_key_ = new_key();
    ca_cert_ = new_certificate(ca_name, ca_key_.get(), nullptr, next_serial_++, false);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, ca_cert_.get(), ca_cert_.get(), nullptr, nullptr, 0);
    add_extension(ca_cert_.get(), ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(ca_cert_.get(), ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(ca_cert_.get(), ctx, NID_subject_key_identifier, "hash");
    sign(ca_cert_.get(), ca_key_.get());
    write_pem(ca_file_, ca_cert_.get(), nullptr);
}

Pki::~Pki() {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

Credentials Pki::issue(const std::string& file_stem, const LeafSpec& spec) {
    const KeyPtr key = new_key();
    const CertPtr cert =
        new_certificate(spec.common_name, key.get(), ca_cert_.get(), next_serial_++, spec.expired);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, ca_cert_.get(), cert.get(), nullptr, nullptr, 0);
    add_extension(cert.get(), ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), ctx, NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), ctx, NID_ext_key_usage, spec.key_usage);
    add_extension(cert.get(), ctx, NID_subject_key_identifier, "hash");
    add_extension(cert.get(), ctx, NID_authority_key_identifier, "keyid:always");
    if (const auto names = alt_names(spec); !names.empty()) {
        add_extension(cert.get(), ctx, NID_subject_alt_name, names);
    }
    sign(cert.get(), ca_key_.get());

    Credentials files{directory_ + "/" + file_stem + ".crt", directory_ + "/" + file_stem + ".key",
                      directory_ + "/" + file_stem + ".pem"};
    write_pem(files.cert_file, cert.get(), nullptr);
    write_pem(files.key_file, nullptr, key.get());
    write_pem(files.pem_file, cert.get(), key.get());
    return files;
}

std::unique_ptr<Context> make_context(const ContextOptions& options) {
    auto context = create_context(options);
    if (!context) throw std::runtime_error("create_context: " + context.message());
    return std::move(*context);
}

Endpoints::Endpoints(const std::string& version)
    : server_files(pki.issue("server", {.common_name = "xmpp.example.com",
                                        .dns_names = {"xmpp.example.com"}})) {
    ContextOptions s;
    s.role = Role::kServer;
    s.cert_file = server_files.cert_file;
    s.key_file = server_files.key_file;
    ContextOptions c;
    c.role = Role::kClient;
    c.ca_file = pki.ca_file();
    if (!version.empty()) {
        s.min_version = s.max_version = version;
        c.min_version = c.max_version = version;
    }
    server = make_context(s);
    client = make_context(c);
}

Status pump(Session& client, Session& server, size_t chunk) {
    // A handshake takes a few flights; a thousand rounds means a livelock.
    for (int round = 0; round < 1000; ++round) {
        std::string to_server;
        std::string to_client;
        client.drain(to_server);
        server.drain(to_client);
        if (to_server.empty() && to_client.empty()) return {};
        if (auto s = feed_all(server, to_server, chunk, "server"); !s) return s;
        if (auto s = feed_all(client, to_client, chunk, "client"); !s) return s;
    }
    return fail("pump: the sessions never fell silent");
}

Result<Connection> connect(Context& client, Context& server, std::string_view server_name,
                           size_t chunk) {
    Connection connection{client.new_session(server_name), server.new_session()};
    if (auto s = pump(*connection.client, *connection.server, chunk); !s) return s.error();
    return connection;
}

std::string send_through(Connection& connection, Role from, std::string_view data,
                         size_t chunk) {
    Session& sender = from == Role::kClient ? *connection.client : *connection.server;
    Session& receiver = from == Role::kClient ? *connection.server : *connection.client;
    if (auto s = sender.write(data); !s) throw std::runtime_error("write: " + s.message());
    if (auto s = pump(*connection.client, *connection.server, chunk); !s) {
        throw std::runtime_error(s.message());
    }
    std::string received;
    receiver.read(received);
    return received;
}

}  // namespace jng::tls::test
