// Test support for the TLS tests: a throw-away PKI (CA plus leaf certificates
// with chosen names, as PEM files in a temporary directory removed afterwards)
// and the in-memory wire that carries ciphertext between two Sessions.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tls/tls.hpp"

namespace jng::tls::test {

struct KeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
    void operator()(X509* cert) const { X509_free(cert); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

struct LeafSpec {
    std::string common_name = {};
    std::vector<std::string> dns_names = {};
    std::vector<std::string> srv_names = {};   // id-on-dnsSRV, IA5String
    std::vector<std::string> xmpp_addrs = {};  // id-on-xmppAddr, UTF8String
    // More subjectAltName entries in OpenSSL's config syntax, for odd encodings.
    std::vector<std::string> extra_alt_names = {};
    // extendedKeyUsage in OpenSSL's config syntax.
    std::string key_usage = "serverAuth,clientAuth";
    bool expired = false;
};

struct Credentials {
    std::string cert_file;  // leaf certificate alone
    std::string key_file;   // its private key alone
    std::string pem_file;   // certificate followed by key, for key_file's default
};

// A CA of its own in a directory of its own; files live as long as the Pki.
class Pki {
public:
    explicit Pki(const std::string& ca_name = "jabberd-ng test CA");
    ~Pki();
    Pki(const Pki&) = delete;
    Pki& operator=(const Pki&) = delete;

    const std::string& ca_file() const { return ca_file_; }
    const std::string& directory() const { return directory_; }

    // A leaf signed by this CA, valid for both server and client use.
    Credentials issue(const std::string& file_stem, const LeafSpec& spec);

private:
    std::string directory_;
    std::string ca_file_;
    KeyPtr ca_key_;
    CertPtr ca_cert_;
    long next_serial_ = 1;
};

// create_context() that throws (with the backend's message) on failure.
std::unique_ptr<Context> make_context(const ContextOptions& options);

// A server context with a certificate for xmpp.example.com and a client
// context that trusts its CA, both limited to `version` ("1.2" or "1.3")
// when one is given.
struct Endpoints {
    Pki pki;
    Credentials server_files;
    std::unique_ptr<Context> server;
    std::unique_ptr<Context> client;

    explicit Endpoints(const std::string& version = {});
};

// Moves every byte each side has for the other until both fall silent.
// `chunk` > 0 feeds the bytes in pieces of at most that size, splitting
// records at arbitrary points. Returns the first error, naming the side.
Status pump(Session& client, Session& server, size_t chunk = 0);

struct Connection {
    std::unique_ptr<Session> client;
    std::unique_ptr<Session> server;
};

// Fresh sessions from both contexts, pumped until neither has more to say.
// Errors from the handshake are returned; the handshake may still be
// unfinished if the contexts never agree on anything.
Result<Connection> connect(Context& client, Context& server,
                           std::string_view server_name = "xmpp.example.com", size_t chunk = 0);

// Writes `data` on the `from` side, pumps, and returns everything the other
// side can read. Throws if either side fails.
std::string send_through(Connection& connection, Role from, std::string_view data,
                         size_t chunk = 0);

}  // namespace jng::tls::test
