// What goes on the wire and what comes off it: resolve replies as literal
// XML, IP literals, SRV answers parsed from DNS messages (valid, hostile
// and random), DNS server syntax and resolver.xml with file:line errors.
#include <catch.hpp>

#include <random>

#include "answer.hpp"
#include "config.hpp"
#include "dns.hpp"
#include "resolver_config.hpp"
#include "xml/serializer.hpp"

using namespace jng::resolver;

namespace {

jng::xml::Element request(std::string_view domain) {
    jng::xml::Element iq("iq", "jabber:client");
    iq.set_attr("type", "get").set_attr("from", "s2s").set_attr("to", "resolver").set_attr("id", "r1");
    iq.add("resolve", "urn:jabberd-ng:resolver:1").set_attr("domain", domain);
    return iq;
}

// ---- DNS messages -----------------------------------------------------------

using Bytes = std::vector<unsigned char>;

void put16(Bytes& b, unsigned v) {
    b.push_back(static_cast<unsigned char>(v >> 8));
    b.push_back(static_cast<unsigned char>(v));
}
void put32(Bytes& b, uint32_t v) {
    put16(b, v >> 16);
    put16(b, v & 0xffff);
}
void put_name(Bytes& b, std::string_view name) {
    while (!name.empty()) {
        const auto dot = name.find('.');
        const auto label = name.substr(0, dot);
        b.push_back(static_cast<unsigned char>(label.size()));
        b.insert(b.end(), label.begin(), label.end());
        name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    }
    b.push_back(0);
}

Bytes header(unsigned answers) {
    Bytes b;
    put16(b, 0x1234);  // id
    put16(b, 0x8180);  // response, RD, RA, NOERROR
    put16(b, 1);
    put16(b, answers);
    put16(b, 0);
    put16(b, 0);
    put_name(b, "_xmpp-server._tcp.example.org");  // at offset 12
    put16(b, 33);
    put16(b, 1);
    return b;
}

// One SRV answer, owner compressed to the question name.
void put_srv(Bytes& b, uint32_t ttl, unsigned prio, unsigned weight, unsigned port,
             std::string_view target) {
    put16(b, 0xc00c);
    put16(b, 33);
    put16(b, 1);
    put32(b, ttl);
    Bytes rdata;
    put16(rdata, prio);
    put16(rdata, weight);
    put16(rdata, port);
    put_name(rdata, target);
    put16(b, static_cast<unsigned>(rdata.size()));
    b.insert(b.end(), rdata.begin(), rdata.end());
}

}  // namespace

TEST_CASE("a found answer is an iq result with the targets in order") {
    const Answer a = Answer::found({Target{"xmpp.example.org", "2001:db8::1", 5223, Tls::kDirect},
                                    Target{"xmpp.example.org", "192.0.2.1", 5269, Tls::kStartTls}},
                                   300);
    CHECK(jng::xml::to_string(reply_to(request("example.org"), "example.org", a)) ==
          "<iq xmlns='jabber:client' to='s2s' from='resolver' id='r1' type='result'>"
          "<resolve xmlns='urn:jabberd-ng:resolver:1' domain='example.org'>"
          "<target host='xmpp.example.org' address='2001:db8::1' port='5223' tls='direct'/>"
          "<target host='xmpp.example.org' address='192.0.2.1' port='5269' tls='starttls'/>"
          "</resolve></iq>");
}

TEST_CASE("no answer is an iq error with the condition and why") {
    const auto not_found = reply_to(request("nx.example"), "nx.example",
                                    Answer::not_found("nx.example has no SRV records and no address"));
    CHECK(jng::xml::to_string(not_found) ==
          "<iq xmlns='jabber:client' from='resolver' to='s2s' id='r1' type='error'>"
          "<resolve xmlns='urn:jabberd-ng:resolver:1' domain='nx.example'/>"
          "<error type='cancel'>"
          "<remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
          "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
          "nx.example has no SRV records and no address</text></error></iq>");
    const auto timeout = reply_to(request("slow.example"), "slow.example", Answer::timeout("t"));
    CHECK(jng::xml::to_string(timeout).find("<remote-server-timeout ") != std::string::npos);
}

TEST_CASE("IP literals") {
    CHECK(ip_literal("192.0.2.1") == "192.0.2.1");
    CHECK(ip_literal("[2001:DB8:0::1]") == "2001:db8::1");
    CHECK(ip_literal("[::ffff:192.0.2.1]") == "::ffff:192.0.2.1");
    CHECK_FALSE(ip_literal("[192.0.2.1]"));  // brackets are for IPv6
    CHECK_FALSE(ip_literal("2001:db8::1"));  // not a JID domainpart without them
    CHECK_FALSE(ip_literal("192.0.2"));
    CHECK_FALSE(ip_literal("example.org"));
    CHECK_FALSE(ip_literal("1.2.3.4.example"));
    CHECK(normalize_address("2001:DB8::0:1") == "2001:db8::1");
    CHECK_FALSE(normalize_address("256.1.1.1"));
}

TEST_CASE("domains are asked in their ASCII form") {
    CHECK(dns_name("example.org").value_or("") == "example.org");
    CHECK(dns_name("bücher.example").value_or("") == "xn--bcher-kva.example");
    CHECK_FALSE(dns_name(std::string(240, 'a')));
}

TEST_CASE("SRV answers are parsed with their TTLs") {
    Bytes b = header(3);
    put_srv(b, 300, 10, 60, 5269, "xmpp1.example.org");
    put_srv(b, 0x80000001u, 20, 0, 5270, "xmpp2.example.org");  // RFC 2181 §8: as 0
    // A record of another type in between is skipped.
    put16(b, 0xc00c);
    put16(b, 5);  // CNAME
    put16(b, 1);
    put32(b, 60);
    put16(b, 2);
    put16(b, 0xc00c);
    b[7] = 4;  // four answers
    put_srv(b, 60, 0, 0, 0, "");
    auto records = parse_srv_response(b.data(), b.size());
    REQUIRE(records);
    REQUIRE(records->size() == 3);
    CHECK((*records)[0].priority == 10);
    CHECK((*records)[0].weight == 60);
    CHECK((*records)[0].port == 5269);
    CHECK((*records)[0].target == "xmpp1.example.org");
    CHECK((*records)[0].ttl == 300);
    CHECK((*records)[1].ttl == 0);
    CHECK((*records)[2].target.empty());  // the root: '.'
}

TEST_CASE("malformed DNS messages are errors, not crashes") {
    Bytes good = header(1);
    put_srv(good, 300, 10, 60, 5269, "xmpp1.example.org");
    REQUIRE(parse_srv_response(good.data(), good.size()));

    SECTION("short header") { CHECK_FALSE(parse_srv_response(good.data(), 5)); }
    SECTION("answer count beyond the data") {
        Bytes b = good;
        b[7] = 2;
        CHECK_FALSE(parse_srv_response(b.data(), b.size()));
    }
    SECTION("truncated anywhere") {
        for (size_t n = 0; n < good.size(); ++n) {
            CHECK_FALSE(parse_srv_response(good.data(), n));
        }
    }
    SECTION("record data longer than the message") {
        Bytes b = good;
        const size_t rdlength_at = good.size() - (6 + 19) - 2;
        b[rdlength_at] = 0xff;
        CHECK_FALSE(parse_srv_response(b.data(), b.size()));
    }
    SECTION("a target that points at itself") {
        Bytes b = header(1);
        put16(b, 0xc00c);
        put16(b, 33);
        put16(b, 1);
        put32(b, 60);
        put16(b, 8);
        put16(b, 1);
        put16(b, 1);
        put16(b, 5269);
        const unsigned self = static_cast<unsigned>(b.size());
        put16(b, 0xc000 | self);
        CHECK_FALSE(parse_srv_response(b.data(), b.size()));
    }
    SECTION("an SRV record too short for its fields") {
        Bytes b = header(1);
        put16(b, 0xc00c);
        put16(b, 33);
        put16(b, 1);
        put32(b, 60);
        put16(b, 3);
        b.insert(b.end(), {0, 1, 0});
        CHECK_FALSE(parse_srv_response(b.data(), b.size()));
    }
    SECTION("random bytes after a plausible header") {
        std::mt19937 rng(1234);
        for (int i = 0; i < 5000; ++i) {
            Bytes b = header(static_cast<unsigned>(rng() % 8));
            const size_t extra = rng() % 96;
            for (size_t j = 0; j < extra; ++j) b.push_back(static_cast<unsigned char>(rng()));
            if (rng() % 2) b[12 + rng() % (b.size() - 12)] = 0xc0;  // stray pointers
            (void)parse_srv_response(b.data(), b.size());
        }
        SUCCEED("no crash");
    }
}

TEST_CASE("DNS server addresses") {
    CHECK(parse_server("192.0.2.53").value_or("") == "192.0.2.53:53");
    CHECK(parse_server("192.0.2.53:5353").value_or("") == "192.0.2.53:5353");
    CHECK(parse_server("2001:DB8::53").value_or("") == "[2001:db8::53]:53");
    CHECK(parse_server("[2001:db8::53]:5353").value_or("") == "[2001:db8::53]:5353");
    CHECK(parse_server("[::1]").value_or("") == "[::1]:53");
    CHECK_FALSE(parse_server("dns.example:53"));
    CHECK_FALSE(parse_server("192.0.2.53:0"));
    CHECK_FALSE(parse_server("192.0.2.53:65536"));
    CHECK_FALSE(parse_server("[::1"));
    CHECK_FALSE(parse_server("[::1]53"));
    CHECK_FALSE(parse_server(""));
}

namespace {

struct Loaded {
    std::optional<ResolverConfig> config;
    std::vector<std::string> errors;
};

Loaded load(const std::string& text) {
    auto doc = jng::config::Document::parse(text, "resolver.xml");
    REQUIRE(doc);
    jng::config::Reader r(*doc);
    jng::Log log("test", jng::LogLevel::kError);
    // Errors are logged as well; they are checked from the reader here.
    Loaded out;
    out.config = read_config(r, log, false);
    out.errors = r.errors();
    return out;
}

bool has_error(const Loaded& l, const std::string& needle) {
    for (const auto& e : l.errors) {
        if (e.find(needle) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("resolver.xml is read with its defaults") {
    const Loaded l = load(
        "<resolver>\n"
        "  <router secret='secret-resolver'/>\n"
        "</resolver>\n");
    REQUIRE(l.config);
    CHECK(l.config->id == "resolver");
    CHECK(l.config->router.secret == "secret-resolver");
    CHECK(l.config->dns.servers.empty());
    CHECK(l.config->dns.attempt_timeout == std::chrono::milliseconds(1500));
    CHECK(l.config->lookup_timeout == std::chrono::milliseconds(5000));
    CHECK(l.config->cache.negative_ttl == std::chrono::seconds(60));
    CHECK(l.config->limits.max_targets == 16);
    CHECK(l.config->limits.max_addresses == 64);
}

TEST_CASE("resolver.xml with servers, cache settings and overrides") {
    const Loaded l = load(
        "<resolver>\n"
        "  <id>dns</id>\n"
        "  <router address='127.0.0.1' port='5347' secret='secret-resolver'/>\n"
        "  <dns timeout-ms='200' tries='3' lookup-timeout-ms='900'>\n"
        "    <server>127.0.0.1:5353</server>\n"
        "    <server>[::1]:5353</server>\n"
        "  </dns>\n"
        "  <cache entries='10' min-ttl='1' max-ttl='10' negative-ttl='2' failure-ttl='0'/>\n"
        "  <limits max-targets='4' max-addresses='8' max-pending='5'/>\n"
        "  <override domain='B.Test'>\n"
        "    <target host='127.0.0.2'/>\n"
        "    <target host='xmpp.b.test' address='::1' port='5270' tls='direct'/>\n"
        "  </override>\n"
        "</resolver>\n");
    REQUIRE(l.config);
    CHECK(l.config->id == "dns");
    CHECK(l.config->dns.servers == std::vector<std::string>{"127.0.0.1:5353", "[::1]:5353"});
    CHECK(l.config->dns.tries == 3);
    CHECK(l.config->lookup_timeout == std::chrono::milliseconds(900));
    CHECK(l.config->cache.failure_ttl == std::chrono::seconds(0));
    CHECK(l.config->max_pending == 5);
    REQUIRE(l.config->overrides.count("b.test"));
    CHECK(l.config->overrides.at("b.test") ==
          std::vector<Target>{Target{"127.0.0.2", "127.0.0.2", 5269, Tls::kStartTls},
                              Target{"xmpp.b.test", "::1", 5270, Tls::kDirect}});
}

TEST_CASE("a bad resolver.xml is refused with file and line") {
    const Loaded l = load(
        "<resolver>\n"
        "  <router secret='secret-resolver'/>\n"
        "  <dns>\n"
        "    <server>dns.example</server>\n"
        "  </dns>\n"
        "  <cache min-ttl='100' max-ttl='10'/>\n"
        "  <override domain='a.test'>\n"
        "    <target host='xmpp.a.test'/>\n"
        "  </override>\n"
        "  <override domain='b.test'>\n"
        "    <target host='127.0.0.1' tls='maybe'/>\n"
        "  </override>\n"
        "  <override domain='b.test'><target host='127.0.0.3'/></override>\n"
        "  <typo/>\n"
        "</resolver>\n");
    CHECK_FALSE(l.config);
    CHECK(has_error(l, "resolver.xml:4: DNS server: 'dns.example' is not an IPv4 or IPv6 address"));
    CHECK(has_error(l, "resolver.xml:6: cache min-ttl is larger than max-ttl"));
    CHECK(has_error(l, "resolver.xml:8: target host 'xmpp.a.test' is not an address"));
    CHECK(has_error(l, "resolver.xml:7: override for 'a.test' has no valid <target/>"));
    CHECK(has_error(l, "resolver.xml:11: '@tls' must be one of starttls, direct, not 'maybe'"));
    CHECK(has_error(l, "resolver.xml:13: override for 'b.test' listed twice"));
    CHECK(has_error(l, "resolver.xml:14: unknown setting <typo>"));
}
