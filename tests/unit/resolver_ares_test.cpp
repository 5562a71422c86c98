// The c-ares client on a real loop, against servers that cannot answer:
// failures arrive as values and in time, answers are never delivered inside
// the call that asked, and a client destroyed with queries in flight calls
// nobody.
#include <catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>

#include "dns.hpp"

using namespace jng;
using namespace jng::resolver;
using namespace std::chrono_literals;

namespace {

// A bound UDP socket nobody reads: queries vanish, no ICMP comes back.
struct SilentServer {
    SilentServer() {
        fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~SilentServer() { ::close(fd); }
    std::string address() const { return "127.0.0.1:" + std::to_string(port); }
    int fd = -1;
    uint16_t port = 0;
};

// A port with nothing bound to it: the kernel answers "unreachable".
uint16_t closed_port() {
    SilentServer s;
    return s.port;
}

void run_for(net::Loop& loop, std::chrono::milliseconds ms) {
    net::Timer stop(loop, [&] { loop.stop(); });
    stop.start(ms);
    loop.run();
}

}  // namespace

TEST_CASE("a server that never answers gives a timeout after the configured tries") {
    net::Loop loop;
    Log log("test", LogLevel::kError);
    SilentServer server;
    DnsConfig config;
    config.servers = {server.address()};
    config.attempt_timeout = 100ms;
    config.tries = 2;
    auto client = AresClient::create(loop, log, config);
    REQUIRE(client);
    std::optional<SrvAnswer> got;
    const auto started = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration took{};
    (*client)->query_srv("_xmpp-server._tcp.example.org", [&](SrvAnswer a) {
        got = std::move(a);
        took = std::chrono::steady_clock::now() - started;
        loop.stop();
    });
    CHECK((*client)->pending() == 1);
    run_for(loop, 3000ms);
    REQUIRE(got);
    CHECK(got->status == DnsStatus::kTimeout);
    // 100 ms, then 200 ms for the second try.
    CHECK(took >= 250ms);
    CHECK(took < 2000ms);
    CHECK((*client)->pending() == 0);
}

TEST_CASE("an unreachable server is a failure, not a wait") {
    net::Loop loop;
    Log log("test", LogLevel::kError);
    DnsConfig config;
    config.servers = {"127.0.0.1:" + std::to_string(closed_port())};
    config.attempt_timeout = 1000ms;
    config.tries = 1;
    auto client = AresClient::create(loop, log, config);
    REQUIRE(client);
    std::optional<AddressAnswer> got;
    (*client)->query_address("example.org", Family::kIpv4, [&](AddressAnswer a) {
        got = std::move(a);
        loop.stop();
    });
    run_for(loop, 3000ms);
    REQUIRE(got);
    CHECK(is_failure(got->status));
}

TEST_CASE("answers c-ares gives at once still arrive later, from the loop") {
    net::Loop loop;
    Log log("test", LogLevel::kError);
    DnsConfig config;
    config.servers = {"127.0.0.1:" + std::to_string(closed_port())};
    auto client = AresClient::create(loop, log, config);
    REQUIRE(client);
    std::optional<SrvAnswer> got;
    // A label longer than 63 octets: c-ares refuses it inside ares_query.
    (*client)->query_srv(std::string(70, 'a') + ".example", [&](SrvAnswer a) { got = std::move(a); });
    CHECK_FALSE(got);
    run_for(loop, 50ms);
    REQUIRE(got);
    CHECK(got->status == DnsStatus::kNxDomain);
}

TEST_CASE("a client destroyed with queries in flight calls nobody") {
    net::Loop loop;
    Log log("test", LogLevel::kError);
    SilentServer server;
    DnsConfig config;
    config.servers = {server.address()};
    bool called = false;
    {
        auto client = AresClient::create(loop, log, config);
        REQUIRE(client);
        (*client)->query_srv("_xmpp-server._tcp.example.org", [&](SrvAnswer) { called = true; });
        (*client)->query_address("example.org", Family::kIpv6, [&](AddressAnswer) { called = true; });
        run_for(loop, 20ms);
    }
    run_for(loop, 20ms);
    CHECK_FALSE(called);
}

TEST_CASE("server lists as resolver.xml writes them") {
    net::Loop loop;
    Log log("test", LogLevel::kError);
    DnsConfig config;
    config.servers = {"127.0.0.1:5353", "[::1]:53"};
    auto client = AresClient::create(loop, log, config);
    REQUIRE(client);
    CHECK((*client)->servers() == "127.0.0.1:5353 [::1]:53");
    config.servers = {"not an address"};
    CHECK_FALSE(AresClient::create(loop, log, config));
}
