// What each side learns about the other's certificate: RFC 6125 identifiers
// (dNSName, SRV-ID, id-on-xmppAddr, CN) and the chain verdict, reported
// rather than enforced so s2s can choose between SASL EXTERNAL and dialback.
#include <catch.hpp>

#include <string>

#include "tls/tls.hpp"
#include "tls_test_certs.hpp"

using namespace jng::tls;
using jng::tls::test::Credentials;
using jng::tls::test::LeafSpec;
using jng::tls::test::make_context;
using jng::tls::test::Pki;

namespace {

using Names = std::vector<std::string>;

const LeafSpec kServerSpec{
    .common_name = "xmpp.example.com",
    .dns_names = {"example.com", "xmpp.example.com"},
    .srv_names = {"_xmpp-server.example.com", "_xmpp-client.example.com"},
    .xmpp_addrs = {"example.com"},
};

const LeafSpec kClientSpec{
    .common_name = "remote.example.net",
    .dns_names = {"remote.example.net"},
    .srv_names = {"_xmpp-server.remote.example.net"},
    .xmpp_addrs = {"remote.example.net", "jid@remote.example.net"},
};

ContextOptions server_options(const Credentials& files, const std::string& ca_file = {}) {
    ContextOptions options;
    options.cert_file = files.cert_file;
    options.key_file = files.key_file;
    options.ca_file = ca_file;
    options.request_client_cert = !ca_file.empty();
    return options;
}

ContextOptions client_options(const std::string& ca_file, const Credentials* files = nullptr) {
    ContextOptions options;
    options.role = Role::kClient;
    options.ca_file = ca_file;
    if (files != nullptr) {
        options.cert_file = files->cert_file;
        options.key_file = files->key_file;
    }
    return options;
}

test::Connection connect(const ContextOptions& client, const ContextOptions& server) {
    auto client_context = make_context(client);
    auto server_context = make_context(server);
    auto connection = test::connect(*client_context, *server_context);
    if (!connection) FAIL(connection.message());
    REQUIRE(connection->client->handshake_done());
    REQUIRE(connection->server->handshake_done());
    return std::move(*connection);
}

}  // namespace

TEST_CASE("the client reads the server's identifiers and a valid chain", "[tls]") {
    Pki pki;
    const auto server = pki.issue("server", kServerSpec);
    auto c = connect(client_options(pki.ca_file()), server_options(server));

    const PeerCertificate cert = c.client->peer_certificate();
    CHECK(cert.present);
    CHECK(cert.chain_valid);
    CHECK(cert.verify_error.empty());
    CHECK(cert.dns_names == Names{"example.com", "xmpp.example.com"});
    CHECK(cert.srv_names == Names{"_xmpp-server.example.com", "_xmpp-client.example.com"});
    CHECK(cert.xmpp_addrs == Names{"example.com"});
    CHECK(cert.common_name == "xmpp.example.com");
}

TEST_CASE("a server certificate from an unrelated CA is reported, not refused", "[tls]") {
    Pki pki;
    Pki stranger("unrelated CA");
    const auto server = pki.issue("server", kServerSpec);
    auto c = connect(client_options(stranger.ca_file()), server_options(server));

    const PeerCertificate cert = c.client->peer_certificate();
    CHECK(cert.present);
    CHECK_FALSE(cert.chain_valid);
    CHECK_FALSE(cert.verify_error.empty());
    // The names are still there for the caller to judge.
    CHECK(cert.dns_names == Names{"example.com", "xmpp.example.com"});
}

TEST_CASE("an expired server certificate is reported as such", "[tls]") {
    Pki pki;
    LeafSpec spec = kServerSpec;
    spec.expired = true;
    const auto server = pki.issue("expired", spec);
    auto c = connect(client_options(pki.ca_file()), server_options(server));

    const PeerCertificate cert = c.client->peer_certificate();
    CHECK(cert.present);
    CHECK_FALSE(cert.chain_valid);
    CHECK_THAT(cert.verify_error, Catch::Contains("expired"));
}

TEST_CASE("a server asking for a client certificate reads its identifiers", "[tls]") {
    const std::string version = GENERATE(as<std::string>{}, "1.2", "1.3");
    Pki pki;
    const auto server = pki.issue("server", kServerSpec);
    const auto client = pki.issue("client", kClientSpec);
    ContextOptions s = server_options(server, pki.ca_file());
    s.min_version = s.max_version = version;
    auto c = connect(client_options(pki.ca_file(), &client), s);

    const PeerCertificate cert = c.server->peer_certificate();
    CHECK(cert.present);
    CHECK(cert.chain_valid);
    CHECK(cert.verify_error.empty());
    CHECK(cert.dns_names == Names{"remote.example.net"});
    CHECK(cert.srv_names == Names{"_xmpp-server.remote.example.net"});
    CHECK(cert.xmpp_addrs == Names{"remote.example.net", "jid@remote.example.net"});
    CHECK(cert.common_name == "remote.example.net");
}

TEST_CASE("a client without a certificate still connects when one is asked for", "[tls]") {
    const std::string version = GENERATE(as<std::string>{}, "1.2", "1.3");
    Pki pki;
    const auto server = pki.issue("server", kServerSpec);
    ContextOptions s = server_options(server, pki.ca_file());
    s.min_version = s.max_version = version;
    auto c = connect(client_options(pki.ca_file()), s);

    const PeerCertificate cert = c.server->peer_certificate();
    CHECK_FALSE(cert.present);
    CHECK_FALSE(cert.chain_valid);
    CHECK(cert.dns_names.empty());
    CHECK(test::send_through(c, Role::kClient, "<db:result/>") == "<db:result/>");
}

TEST_CASE("a client certificate from an unrelated CA is reported, not refused", "[tls]") {
    const std::string version = GENERATE(as<std::string>{}, "1.2", "1.3");
    Pki pki;
    Pki stranger("unrelated CA");
    const auto server = pki.issue("server", kServerSpec);
    const auto client = stranger.issue("client", kClientSpec);
    ContextOptions s = server_options(server, pki.ca_file());
    s.min_version = s.max_version = version;
    auto c = connect(client_options(pki.ca_file(), &client), s);

    const PeerCertificate cert = c.server->peer_certificate();
    CHECK(cert.present);
    CHECK_FALSE(cert.chain_valid);
    CHECK_FALSE(cert.verify_error.empty());
    CHECK(cert.xmpp_addrs == Names{"remote.example.net", "jid@remote.example.net"});
    // And the client's own view of the server is unaffected.
    CHECK(c.client->peer_certificate().chain_valid);
}

TEST_CASE("a client certificate is judged as the remote server's it is", "[tls]") {
    // XEP-0178: the connecting side of s2s presents its server certificate,
    // which public CAs now issue for serverAuth only.
    Pki pki;
    const auto server = pki.issue("server", kServerSpec);
    LeafSpec spec = kClientSpec;
    SECTION("serverAuth only: valid") {
        spec.key_usage = "serverAuth";
        const auto client = pki.issue("client", spec);
        auto c = connect(client_options(pki.ca_file(), &client),
                         server_options(server, pki.ca_file()));
        const PeerCertificate cert = c.server->peer_certificate();
        CHECK(cert.present);
        CHECK(cert.chain_valid);
    }
    SECTION("clientAuth only: proves no domain") {
        spec.key_usage = "clientAuth";
        const auto client = pki.issue("client", spec);
        auto c = connect(client_options(pki.ca_file(), &client),
                         server_options(server, pki.ca_file()));
        const PeerCertificate cert = c.server->peer_certificate();
        CHECK(cert.present);
        CHECK_FALSE(cert.chain_valid);
        CHECK_THAT(cert.verify_error, Catch::Contains("purpose"));
    }
}

TEST_CASE("a server that does not ask gets no client certificate", "[tls]") {
    Pki pki;
    const auto server = pki.issue("server", kServerSpec);
    const auto client = pki.issue("client", kClientSpec);
    auto c = connect(client_options(pki.ca_file(), &client), server_options(server));
    CHECK_FALSE(c.server->peer_certificate().present);
}

TEST_CASE("identifiers in the wrong ASN.1 type are ignored", "[tls]") {
    Pki pki;
    LeafSpec spec{.common_name = "odd.example.com", .dns_names = {"odd.example.com"}};
    // RFC 6120 §13.7.1.4 wants UTF8String, RFC 4985 wants IA5String.
    spec.extra_alt_names = {"otherName:1.3.6.1.5.5.7.8.5;IA5STRING:wrong@example.com",
                            "otherName:1.3.6.1.5.5.7.8.7;UTF8:_xmpp-server.wrong.example.com",
                            "otherName:1.2.3.4;UTF8:unrelated", "email:admin@example.com"};
    const auto server = pki.issue("odd", spec);
    auto c = connect(client_options(pki.ca_file()), server_options(server));

    const PeerCertificate cert = c.client->peer_certificate();
    CHECK(cert.present);
    CHECK(cert.dns_names == Names{"odd.example.com"});
    CHECK(cert.xmpp_addrs.empty());
    CHECK(cert.srv_names.empty());
}

TEST_CASE("a certificate without subjectAltName still yields its CN", "[tls]") {
    Pki pki;
    const auto server = pki.issue("bare", {.common_name = "legacy.example.org"});
    auto c = connect(client_options(pki.ca_file()), server_options(server));

    const PeerCertificate cert = c.client->peer_certificate();
    CHECK(cert.present);
    CHECK(cert.chain_valid);
    CHECK(cert.dns_names.empty());
    CHECK(cert.common_name == "legacy.example.org");
}

TEST_CASE("nothing is known about the peer before the handshake", "[tls]") {
    Pki pki;
    auto client = make_context(client_options(pki.ca_file()))->new_session("example.com");
    CHECK_FALSE(client->peer_certificate().present);
}
