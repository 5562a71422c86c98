// Hostile and broken input: plaintext on the TLS port, garbage, handshakes cut
// short, tampered records. Each must end in a clean error (or a patient wait),
// never a crash, and never leave OpenSSL's error queue dirty for the next one.
#include <openssl/err.h>

#include <catch.hpp>
#include <string>

#include "tls/tls.hpp"
#include "tls_test_certs.hpp"

using namespace jng::tls;
using jng::tls::test::Endpoints;

namespace {

constexpr const char* kStreamHeader =
    "<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

}  // namespace

TEST_CASE("plaintext XMPP on the TLS port is a clean, lasting error", "[tls]") {
    Endpoints endpoints;
    auto server = endpoints.server->new_session();

    const auto first = server->feed(kStreamHeader);
    REQUIRE_FALSE(first.ok());
    CHECK_THAT(first.message(), Catch::StartsWith("TLS handshake failed: error:"));
    CHECK_FALSE(server->handshake_done());
    CHECK(ERR_peek_error() == 0);

    // The session stays failed, with the same reason, whatever comes next.
    const auto again = server->feed("<auth/>");
    REQUIRE_FALSE(again.ok());
    CHECK(again.message() == first.message());
    CHECK_FALSE(server->write("<stream:features/>").ok());
    server->shutdown();
    std::string plaintext;
    CHECK(server->read(plaintext) == 0);
    CHECK_FALSE(server->peer_certificate().present);
}

TEST_CASE("garbage in any shape fails the handshake", "[tls]") {
    Endpoints endpoints;
    const std::string garbage = GENERATE(
        std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09", 10),
        // A handshake record header claiming far more than a record may hold.
        std::string("\x16\x03\x01\xff\xff", 5),
        // An alert record in place of a ClientHello.
        std::string("\x15\x03\x03\x00\x02\x02\x28", 7),
        std::string("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    auto server = endpoints.server->new_session();
    const auto status = server->feed(garbage);
    REQUIRE_FALSE(status.ok());
    CHECK_FALSE(status.message().empty());
    CHECK(ERR_peek_error() == 0);
}

TEST_CASE("a client answered in plaintext fails cleanly", "[tls]") {
    Endpoints endpoints;
    auto client = endpoints.client->new_session("xmpp.example.com");
    std::string hello;
    client->drain(hello);
    REQUIRE_FALSE(hello.empty());

    const auto status = client->feed("<stream:error><not-authorized/></stream:error>");
    REQUIRE_FALSE(status.ok());
    CHECK_THAT(status.message(), Catch::StartsWith("TLS handshake failed"));
    CHECK(ERR_peek_error() == 0);
}

TEST_CASE("alerts in place of a ServerHello", "[tls]") {
    Endpoints endpoints;
    auto client = endpoints.client->new_session("xmpp.example.com");
    std::string hello;
    client->drain(hello);

    SECTION("close_notify ends the handshake, and says the peer closed") {
        const auto status = client->feed(std::string("\x15\x03\x03\x00\x02\x01\x00", 7));
        REQUIRE_FALSE(status.ok());
        CHECK_THAT(status.message(), Catch::StartsWith("TLS handshake failed"));
        CHECK(client->peer_closed());
    }
    SECTION("a warning (unrecognized_name) is no reason to stop") {
        REQUIRE(client->feed(std::string("\x15\x03\x03\x00\x02\x01\x70", 7)).ok());
        CHECK_FALSE(client->handshake_done());
        CHECK_FALSE(client->peer_closed());
    }
    CHECK(ERR_peek_error() == 0);
}

TEST_CASE("a handshake cut short waits, and finishes when the rest arrives", "[tls]") {
    Endpoints endpoints;
    auto client = endpoints.client->new_session("xmpp.example.com");
    auto server = endpoints.server->new_session();
    std::string hello;
    client->drain(hello);
    REQUIRE(hello.size() > 10);

    const size_t half = hello.size() / 2;
    REQUIRE(server->feed(std::string_view(hello).substr(0, half)).ok());
    std::string reply;
    server->drain(reply);
    CHECK(reply.empty());
    CHECK_FALSE(server->handshake_done());

    REQUIRE(server->feed(std::string_view(hello).substr(half)).ok());
    REQUIRE(test::pump(*client, *server).ok());
    CHECK(client->handshake_done());
    CHECK(server->handshake_done());
}

TEST_CASE("a session dropped mid-handshake is simply destroyed", "[tls]") {
    Endpoints endpoints;
    auto client = endpoints.client->new_session("xmpp.example.com");
    auto server = endpoints.server->new_session();
    std::string hello;
    client->drain(hello);
    REQUIRE(server->feed(hello).ok());
    std::string flight;
    server->drain(flight);
    REQUIRE_FALSE(flight.empty());
    // Only part of the server's flight arrives before the connection dies.
    REQUIRE(client->feed(std::string_view(flight).substr(0, flight.size() / 3)).ok());
    CHECK_FALSE(client->handshake_done());
    client.reset();
    server.reset();
    CHECK(ERR_peek_error() == 0);
}

TEST_CASE("a tampered record is a fatal error", "[tls]") {
    Endpoints endpoints;
    auto c = test::connect(*endpoints.client, *endpoints.server);
    REQUIRE(c.ok());
    REQUIRE(c->client->write("<message>secret</message>").ok());
    std::string wire;
    c->client->drain(wire);
    REQUIRE(wire.size() > 8);
    wire[wire.size() - 3] = static_cast<char>(wire[wire.size() - 3] ^ 0x01);

    const auto status = c->server->feed(wire);
    REQUIRE_FALSE(status.ok());
    CHECK_THAT(status.message(), Catch::StartsWith("TLS record error"));
    std::string plaintext;
    CHECK(c->server->read(plaintext) == 0);
    // The handshake did happen; what it established stays readable.
    CHECK(c->server->handshake_done());
    CHECK_FALSE(c->server->protocol_version().empty());
    // The server tells the client why, and the client fails too.
    std::string alert;
    c->server->drain(alert);
    REQUIRE_FALSE(alert.empty());
    CHECK_FALSE(c->client->feed(alert).ok());
}

TEST_CASE("one connection's failure does not leak into the next", "[tls]") {
    Endpoints endpoints;
    auto broken = endpoints.server->new_session();
    REQUIRE_FALSE(broken->feed(kStreamHeader).ok());

    auto c = test::connect(*endpoints.client, *endpoints.server);
    REQUIRE(c.ok());
    CHECK(c->client->handshake_done());
    CHECK(c->server->handshake_done());
    CHECK(test::send_through(*c, Role::kClient, "<presence/>") == "<presence/>");
    // The broken one still reports only its own failure.
    CHECK_THAT(broken->feed("x").message(), Catch::StartsWith("TLS handshake failed"));
}

TEST_CASE("a server name too long for SNI fails the session, not the process", "[tls]") {
    Endpoints endpoints;
    auto client = endpoints.client->new_session(std::string(300, 'a') + ".example.com");
    const auto status = client->feed("");
    REQUIRE_FALSE(status.ok());
    CHECK_THAT(status.message(), Catch::Contains("server name"));
    CHECK(ERR_peek_error() == 0);
}
