// Channel bindings for SCRAM-*-PLUS: RFC 5929 tls-unique under TLS 1.2 and
// RFC 9266 tls-exporter, equal on both ends and unique to each connection.
#include <catch.hpp>

#include <string>

#include "tls/tls.hpp"
#include "tls_test_certs.hpp"

using namespace jng::tls;
using jng::tls::test::Connection;
using jng::tls::test::Endpoints;

namespace {

// A finished handshake between the two ends.
Connection handshake(Endpoints& endpoints) {
    auto connection = test::connect(*endpoints.client, *endpoints.server);
    if (!connection) FAIL(connection.message());
    REQUIRE(connection->client->handshake_done());
    REQUIRE(connection->server->handshake_done());
    return std::move(*connection);
}

}  // namespace

TEST_CASE("tls-unique under TLS 1.2 is the same Finished message on both sides", "[tls]") {
    Endpoints endpoints("1.2");
    auto c = handshake(endpoints);

    const auto at_client = c.client->channel_binding(ChannelBinding::kTlsUnique);
    const auto at_server = c.server->channel_binding(ChannelBinding::kTlsUnique);
    REQUIRE(at_client);
    REQUIRE(at_server);
    // RFC 5246 §7.4.9: verify_data is 12 bytes for every TLS 1.2 suite we offer.
    CHECK(at_client->size() == 12);
    CHECK(*at_client == *at_server);

    auto second = handshake(endpoints);
    CHECK(second.client->channel_binding(ChannelBinding::kTlsUnique) != at_client);
}

TEST_CASE("tls-exporter under TLS 1.2 with extended master secret", "[tls]") {
    Endpoints endpoints("1.2");
    auto c = handshake(endpoints);

    const auto at_client = c.client->channel_binding(ChannelBinding::kTlsExporter);
    const auto at_server = c.server->channel_binding(ChannelBinding::kTlsExporter);
    REQUIRE(at_client);
    REQUIRE(at_server);
    CHECK(at_client->size() == 32);
    CHECK(*at_client == *at_server);
    // Different inputs, different values: the exporter is not the Finished.
    CHECK(*at_client != *c.client->channel_binding(ChannelBinding::kTlsUnique));
}

TEST_CASE("TLS 1.3 offers tls-exporter and no tls-unique", "[tls]") {
    Endpoints endpoints("1.3");
    auto c = handshake(endpoints);

    CHECK_FALSE(c.client->channel_binding(ChannelBinding::kTlsUnique));
    CHECK_FALSE(c.server->channel_binding(ChannelBinding::kTlsUnique));

    const auto at_client = c.client->channel_binding(ChannelBinding::kTlsExporter);
    const auto at_server = c.server->channel_binding(ChannelBinding::kTlsExporter);
    REQUIRE(at_client);
    REQUIRE(at_server);
    CHECK(at_client->size() == 32);
    CHECK(*at_client == *at_server);

    auto second = handshake(endpoints);
    const auto other = second.server->channel_binding(ChannelBinding::kTlsExporter);
    REQUIRE(other);
    CHECK(*other != *at_server);
}

TEST_CASE("the tls-unique computation under TLS 1.3, on request", "[tls]") {
    Endpoints endpoints("1.3");
    auto c = handshake(endpoints);
    const auto at_client = c.client->channel_binding(ChannelBinding::kTlsUniqueAnyVersion);
    const auto at_server = c.server->channel_binding(ChannelBinding::kTlsUniqueAnyVersion);
    REQUIRE(at_client);
    REQUIRE(at_server);
    // Both sides agree on the client's Finished, as Python's ssl module computes it.
    CHECK(*at_client == *at_server);
    CHECK(*at_client != *c.client->channel_binding(ChannelBinding::kTlsExporter));
    auto second = handshake(endpoints);
    CHECK(*second.server->channel_binding(ChannelBinding::kTlsUniqueAnyVersion) != *at_server);
}

TEST_CASE("under TLS 1.2 the any-version tls-unique is tls-unique", "[tls]") {
    Endpoints endpoints("1.2");
    auto c = handshake(endpoints);
    CHECK(c.server->channel_binding(ChannelBinding::kTlsUniqueAnyVersion) ==
          c.server->channel_binding(ChannelBinding::kTlsUnique));
}

TEST_CASE("no channel binding before the handshake completes", "[tls]") {
    const std::string version = GENERATE(as<std::string>{}, "1.2", "1.3");
    Endpoints endpoints(version);
    auto client = endpoints.client->new_session("xmpp.example.com");
    auto server = endpoints.server->new_session();
    std::string hello;
    client->drain(hello);
    REQUIRE(server->feed(hello).ok());

    CHECK_FALSE(client->channel_binding(ChannelBinding::kTlsUnique));
    CHECK_FALSE(client->channel_binding(ChannelBinding::kTlsExporter));
    CHECK_FALSE(server->channel_binding(ChannelBinding::kTlsUnique));
    CHECK_FALSE(server->channel_binding(ChannelBinding::kTlsExporter));
    CHECK(client->protocol_version().empty());
    CHECK(server->cipher().empty());
}
