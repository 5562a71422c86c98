// TLS sessions over memory buffers: handshakes in both protocol versions, data
// in both directions, records split at every byte, large writes, clean close,
// and the context options that shape them.
#include <catch.hpp>

#include <string>

#include "tls/tls.hpp"
#include "tls_test_certs.hpp"

using namespace jng::tls;
using jng::tls::test::Connection;
using jng::tls::test::Endpoints;
using jng::tls::test::make_context;
using jng::tls::test::Pki;
using jng::tls::test::send_through;

namespace {

// Sessions of both ends, pumped until neither has more to say.
Connection connected(Endpoints& endpoints, size_t chunk = 0) {
    auto connection = test::connect(*endpoints.client, *endpoints.server, "xmpp.example.com", chunk);
    if (!connection) FAIL(connection.message());
    return std::move(*connection);
}

std::string pattern(size_t size) {
    std::string data(size, '\0');
    for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 131 + i / 251) & 0xff);
    return data;
}

}  // namespace

TEST_CASE("client and server complete a handshake in memory and talk both ways", "[tls]") {
    const std::string version = GENERATE(as<std::string>{}, "1.2", "1.3");
    Endpoints endpoints(version);
    auto c = connected(endpoints);

    CHECK(c.client->handshake_done());
    CHECK(c.server->handshake_done());
    CHECK(c.client->protocol_version() == "TLSv" + version);
    CHECK(c.server->protocol_version() == "TLSv" + version);
    CHECK_FALSE(c.client->cipher().empty());
    CHECK(c.client->cipher() == c.server->cipher());

    const std::string stream_open = "<stream:stream xmlns='jabber:client' to='example.com'>";
    CHECK(send_through(c, Role::kClient, stream_open) == stream_open);
    const std::string reply = "<stream:stream xmlns='jabber:client' from='example.com' id='x1'>";
    CHECK(send_through(c, Role::kServer, reply) == reply);
    CHECK_FALSE(c.client->peer_closed());
    CHECK_FALSE(c.server->peer_closed());
}

TEST_CASE("handshake and data survive delivery one byte at a time", "[tls]") {
    const std::string version = GENERATE(as<std::string>{}, "1.2", "1.3");
    Endpoints endpoints(version);
    auto c = connected(endpoints, 1);

    REQUIRE(c.client->handshake_done());
    REQUIRE(c.server->handshake_done());
    CHECK(send_through(c, Role::kClient, "<presence/>", 1) == "<presence/>");
    CHECK(send_through(c, Role::kServer, "<message>hi</message>", 1) == "<message>hi</message>");
}

TEST_CASE("without a version limit both sides settle on TLS 1.3", "[tls]") {
    Endpoints endpoints;
    auto c = connected(endpoints);
    CHECK(c.client->protocol_version() == "TLSv1.3");
}

TEST_CASE("a TLS 1.3-only server refuses a TLS 1.2-only client", "[tls]") {
    Pki pki;
    const auto files = pki.issue("server", {.common_name = "xmpp.example.com"});
    ContextOptions s;
    s.cert_file = files.pem_file;
    s.min_version = "1.3";
    ContextOptions c;
    c.role = Role::kClient;
    c.ca_file = pki.ca_file();
    c.max_version = "1.2";
    auto server = make_context(s);
    auto client = make_context(c);

    auto connection = test::connect(*client, *server);
    REQUIRE_FALSE(connection.ok());
    CHECK_THAT(connection.message(), Catch::StartsWith("server: TLS handshake failed"));
}

TEST_CASE("plaintext written before the handshake goes out once it completes", "[tls]") {
    Endpoints endpoints;
    auto client = endpoints.client->new_session("xmpp.example.com");
    auto server = endpoints.server->new_session();

    REQUIRE(client->write("early from client").ok());
    REQUIRE(server->write("early from server").ok());
    CHECK_FALSE(client->handshake_done());
    REQUIRE(test::pump(*client, *server).ok());

    std::string at_server;
    std::string at_client;
    CHECK(server->read(at_server) == 17);
    CHECK(client->read(at_client) == 17);
    CHECK(at_server == "early from client");
    CHECK(at_client == "early from server");
}

TEST_CASE("read() hands out each byte once and appends", "[tls]") {
    Endpoints endpoints;
    auto c = connected(endpoints);
    REQUIRE(c.client->write("one").ok());
    REQUIRE(c.client->write("two").ok());
    REQUIRE(test::pump(*c.client, *c.server).ok());

    std::string out = "prefix:";
    CHECK(c.server->read(out) == 6);
    CHECK(out == "prefix:onetwo");
    CHECK(c.server->read(out) == 0);
    CHECK(out == "prefix:onetwo");
}

TEST_CASE("a 1 MiB write arrives intact in both directions", "[tls]") {
    const std::string version = GENERATE(as<std::string>{}, "1.2", "1.3");
    Endpoints endpoints(version);
    auto c = connected(endpoints);
    const std::string big = pattern(1 << 20);

    // 1000-byte pieces never line up with 16 KiB records.
    const std::string at_server = send_through(c, Role::kClient, big, 1000);
    CHECK(at_server.size() == big.size());
    CHECK(at_server == big);
    const std::string at_client = send_through(c, Role::kServer, big);
    CHECK(at_client.size() == big.size());
    CHECK(at_client == big);
}

TEST_CASE("shutdown sends close_notify and the peer sees it", "[tls]") {
    const std::string version = GENERATE(as<std::string>{}, "1.2", "1.3");
    Endpoints endpoints(version);
    auto c = connected(endpoints);

    REQUIRE(c.client->write("</stream:stream>").ok());
    c.client->shutdown();
    CHECK_FALSE(c.client->write("too late").ok());
    std::string wire;
    c.client->drain(wire);
    CHECK_FALSE(wire.empty());
    REQUIRE(c.server->feed(wire).ok());

    std::string at_server;
    c.server->read(at_server);
    CHECK(at_server == "</stream:stream>");
    CHECK(c.server->peer_closed());
    CHECK_FALSE(c.client->peer_closed());

    // The server answers in kind, after a last word of its own.
    REQUIRE(c.server->write("</stream:stream>").ok());
    c.server->shutdown();
    REQUIRE(test::pump(*c.client, *c.server).ok());
    std::string at_client;
    c.client->read(at_client);
    CHECK(at_client == "</stream:stream>");
    CHECK(c.client->peer_closed());

    // Both directions closed: nothing more goes out, and nothing breaks.
    c.client->shutdown();
    std::string silence;
    c.client->drain(silence);
    c.server->drain(silence);
    CHECK(silence.empty());
}

TEST_CASE("shutdown before the handshake just abandons it", "[tls]") {
    Endpoints endpoints;
    auto client = endpoints.client->new_session("xmpp.example.com");
    std::string hello;
    client->drain(hello);
    CHECK_FALSE(hello.empty());
    client->shutdown();
    std::string more;
    client->drain(more);
    CHECK(more.empty());
    CHECK_FALSE(client->write("x").ok());
}

TEST_CASE("the private key defaults to the certificate file", "[tls]") {
    Pki pki;
    const auto files = pki.issue("both", {.common_name = "xmpp.example.com"});
    ContextOptions s;
    s.cert_file = files.pem_file;
    ContextOptions c;
    c.role = Role::kClient;
    c.ca_file = pki.ca_file();
    auto server = make_context(s);
    auto client = make_context(c);
    auto connection = test::connect(*client, *server);
    REQUIRE(connection.ok());
    CHECK(connection->server->handshake_done());
}

TEST_CASE("an address literal as server name still connects", "[tls]") {
    Endpoints endpoints;
    auto connection = test::connect(*endpoints.client, *endpoints.server, "192.0.2.7");
    REQUIRE(connection.ok());
    CHECK(connection->client->handshake_done());
}

TEST_CASE("sessions outlive the context that made them", "[tls]") {
    Endpoints endpoints;
    auto c = connected(endpoints);
    endpoints.client.reset();
    endpoints.server.reset();
    CHECK(send_through(c, Role::kClient, "<r/>") == "<r/>");
}

TEST_CASE("context options are checked, with reasons", "[tls]") {
    Pki pki;
    const auto files = pki.issue("server", {.common_name = "xmpp.example.com"});
    const auto other = pki.issue("other", {.common_name = "other.example.com"});
    ContextOptions options;
    options.cert_file = files.cert_file;
    options.key_file = files.key_file;

    SECTION("the roles report themselves") {
        CHECK(make_context(options)->role() == Role::kServer);
        options.role = Role::kClient;
        CHECK(make_context(options)->role() == Role::kClient);
    }
    SECTION("a server needs a certificate") {
        options.cert_file.clear();
        auto r = create_context(options);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("cert_file"));
    }
    SECTION("a client needs none") {
        options = {};
        options.role = Role::kClient;
        CHECK(create_context(options).ok());
    }
    SECTION("a missing certificate file is named") {
        options.cert_file = pki.directory() + "/missing.pem";
        auto r = create_context(options);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("missing.pem"));
        CHECK_THAT(r.message(), Catch::Contains("error:"));
    }
    SECTION("a key that does not match the certificate") {
        options.key_file = other.key_file;
        auto r = create_context(options);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("does not match"));
    }
    SECTION("unknown versions") {
        options.min_version = "1.1";
        auto r = create_context(options);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("min_version"));
    }
    SECTION("max below min") {
        options.min_version = "1.3";
        options.max_version = "1.2";
        auto r = create_context(options);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("max_version"));
    }
    SECTION("a cipher list that selects nothing") {
        options.ciphers = "NO-SUCH-CIPHER";
        auto r = create_context(options);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("NO-SUCH-CIPHER"));
    }
    SECTION("a missing trust store is named") {
        options.request_client_cert = true;
        options.ca_file = pki.directory() + "/no-ca.pem";
        auto r = create_context(options);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.message(), Catch::Contains("no-ca.pem"));
    }
}
