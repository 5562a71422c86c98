// Lookups over a scripted DNS: which queries are asked, which fallback is
// taken, and the answer that comes out (RFC 6120 §3.2, XEP-0368).
#include <catch.hpp>

#include <optional>

#include "lookup.hpp"
#include "resolver_fake_dns.hpp"

using namespace jng::resolver;
using jng::resolver::test::FakeDns;

namespace {

const std::string kDirect = "_xmpps-server._tcp.";
const std::string kPlain = "_xmpp-server._tcp.";

// Always the first record of a priority: the order is then the input order.
uint32_t no_random(uint32_t) { return 0; }

struct Run {
    FakeDns dns;
    jng::Log log{"test", jng::LogLevel::kError};
    LookupLimits limits;
    std::optional<Answer> answer;

    Answer lookup(const std::string& domain) {
        answer.reset();
        Lookup l(dns, log, domain, limits, no_random, [this](Answer a) { answer = std::move(a); });
        l.start();
        dns.run();
        REQUIRE(answer);
        CHECK(l.state() == Lookup::State::kDone);
        return *answer;
    }
};

std::vector<std::string> describe(const Answer& a) {
    std::vector<std::string> out;
    for (const auto& t : a.targets) {
        out.push_back(t.host + " " + t.address + " " + std::to_string(t.port) + " " +
                      std::string(to_string(t.tls)));
    }
    return out;
}

}  // namespace

TEST_CASE("both SRV services are asked, merged by priority, each target resolved") {
    Run r;
    r.dns.set_srv(kDirect + "example.org", {FakeDns::record(5, 0, 5223, "x1.example.org", 600)});
    r.dns.set_srv(kPlain + "example.org", {FakeDns::record(10, 0, 5269, "x1.example.org", 900),
                                           FakeDns::record(20, 0, 5270, "x2.example.org", 900)});
    r.dns.set_host("x1.example.org", {"192.0.2.1"}, {"2001:db8::1"}, 120);
    r.dns.set_host("x2.example.org", {"192.0.2.2", "192.0.2.3"}, {}, 3000);

    const Answer a = r.lookup("example.org");
    REQUIRE(a.outcome == Outcome::kFound);
    CHECK(describe(a) == std::vector<std::string>{
                             "x1.example.org 2001:db8::1 5223 direct",
                             "x1.example.org 192.0.2.1 5223 direct",
                             "x1.example.org 2001:db8::1 5269 starttls",
                             "x1.example.org 192.0.2.1 5269 starttls",
                             "x2.example.org 192.0.2.2 5270 starttls",
                             "x2.example.org 192.0.2.3 5270 starttls",
                         });
    CHECK(a.ttl == 120);  // the smallest TTL of the records used
    CHECK_FALSE(a.degraded);
    // Both SRV queries first; each host's addresses once, though named twice.
    CHECK(r.dns.asked[0] == "SRV _xmpps-server._tcp.example.org");
    CHECK(r.dns.asked[1] == "SRV _xmpp-server._tcp.example.org");
    CHECK(r.dns.count("A x1.example.org") == 1);
    CHECK(r.dns.count("AAAA x1.example.org") == 1);
    CHECK(r.dns.asked.size() == 6);
}

TEST_CASE("without SRV records the domain's own addresses on 5269") {
    Run r;
    r.dns.set_host("plain.example", {"192.0.2.7"}, {"2001:db8::7"}, 300);
    const Answer a = r.lookup("plain.example");
    REQUIRE(a.outcome == Outcome::kFound);
    CHECK(describe(a) == std::vector<std::string>{"plain.example 2001:db8::7 5269 starttls",
                                                  "plain.example 192.0.2.7 5269 starttls"});
    CHECK(a.ttl == 300);
}

TEST_CASE("a '.' target means no service, without A/AAAA fallback") {
    Run r;
    r.dns.set_srv(kPlain + "none.example", {FakeDns::record(0, 0, 0, "")});
    r.dns.set_host("none.example", {"192.0.2.9"}, {});
    const Answer a = r.lookup("none.example");
    CHECK(a.outcome == Outcome::kNotFound);
    CHECK(a.reason.find("'.'") != std::string::npos);
    CHECK(r.dns.count("A none.example") == 0);

    SECTION("unless the other service has targets") {
        r.dns.set_srv(kDirect + "none.example", {FakeDns::record(1, 0, 443, "tls.none.example")});
        r.dns.set_host("tls.none.example", {"192.0.2.10"}, {});
        const Answer b = r.lookup("none.example");
        REQUIRE(b.outcome == Outcome::kFound);
        CHECK(describe(b) == std::vector<std::string>{"tls.none.example 192.0.2.10 443 direct"});
    }
    SECTION("a '.' for xmpps alone leaves the xmpp records") {
        r.dns.set_srv(kDirect + "none.example", {FakeDns::record(0, 0, 0, "")});
        r.dns.set_srv(kPlain + "none.example", {FakeDns::record(1, 0, 5269, "s.none.example")});
        r.dns.set_host("s.none.example", {"192.0.2.11"}, {});
        const Answer b = r.lookup("none.example");
        REQUIRE(b.outcome == Outcome::kFound);
        CHECK(describe(b) == std::vector<std::string>{"s.none.example 192.0.2.11 5269 starttls"});
    }
}

TEST_CASE("a domain that does not exist is not found") {
    Run r;
    r.dns.addresses[{"nx.example", Family::kIpv4}] = {DnsStatus::kNxDomain, {}};
    r.dns.addresses[{"nx.example", Family::kIpv6}] = {DnsStatus::kNxDomain, {}};
    const Answer a = r.lookup("nx.example");
    CHECK(a.outcome == Outcome::kNotFound);
    CHECK(r.dns.asked.size() == 4);
}

TEST_CASE("failed SRV queries") {
    Run r;
    SECTION("both failed: timeout, and no guess at the domain's address") {
        r.dns.srv[kDirect + "d.example"] = {DnsStatus::kTimeout, {}};
        r.dns.srv[kPlain + "d.example"] = {DnsStatus::kServerFailure, {}};
        r.dns.set_host("d.example", {"192.0.2.1"}, {});
        const Answer a = r.lookup("d.example");
        CHECK(a.outcome == Outcome::kTimeout);
        CHECK(r.dns.count("A d.example") == 0);
    }
    SECTION("one failed, the other has no records: still a timeout") {
        r.dns.srv[kDirect + "d.example"] = {DnsStatus::kBadResponse, {}};
        CHECK(r.lookup("d.example").outcome == Outcome::kTimeout);
    }
    SECTION("one failed, the other has targets: found, marked incomplete") {
        r.dns.srv[kDirect + "d.example"] = {DnsStatus::kTimeout, {}};
        r.dns.set_srv(kPlain + "d.example", {FakeDns::record(1, 0, 5269, "s.d.example")});
        r.dns.set_host("s.d.example", {"192.0.2.5"}, {});
        const Answer a = r.lookup("d.example");
        REQUIRE(a.outcome == Outcome::kFound);
        CHECK(a.degraded);
    }
}

TEST_CASE("targets without addresses") {
    Run r;
    r.dns.set_srv(kPlain + "t.example", {FakeDns::record(1, 0, 5269, "gone.t.example"),
                                         FakeDns::record(2, 0, 5269, "ok.t.example")});
    SECTION("are skipped") {
        r.dns.set_host("ok.t.example", {"192.0.2.20"}, {});
        CHECK(describe(r.lookup("t.example")) ==
              std::vector<std::string>{"ok.t.example 192.0.2.20 5269 starttls"});
    }
    SECTION("none left: not found, or a timeout when a query failed") {
        CHECK(r.lookup("t.example").outcome == Outcome::kNotFound);
        r.dns.addresses[{"ok.t.example", Family::kIpv6}] = {DnsStatus::kTimeout, {}};
        CHECK(r.lookup("t.example").outcome == Outcome::kTimeout);
    }
}

TEST_CASE("unusable SRV records do not fall back to the domain") {
    Run r;
    r.dns.set_srv(kPlain + "u.example", {FakeDns::record(1, 0, 5269, "not a host!")});
    r.dns.set_host("u.example", {"192.0.2.1"}, {});
    CHECK(r.lookup("u.example").outcome == Outcome::kNotFound);
    CHECK(r.dns.count("A u.example") == 0);
}

TEST_CASE("answers are bounded") {
    Run r;
    std::vector<SrvRecord> many;
    for (int i = 0; i < 40; ++i) {
        const std::string host = "h" + std::to_string(i) + ".big.example";
        many.push_back(FakeDns::record(static_cast<uint16_t>(i), 0, 5269, host));
        r.dns.set_host(host, {"192.0.2." + std::to_string(i + 1), "198.51.100." + std::to_string(i + 1)},
                       {"2001:db8::" + std::to_string(i + 1)});
    }
    r.dns.set_srv(kPlain + "big.example", many);
    SECTION("max-targets hosts are resolved") {
        r.limits.max_addresses = 1000;
        const Answer a = r.lookup("big.example");
        CHECK(a.targets.size() == 16 * 3);
        CHECK(r.dns.count("A h15.big.example") == 1);
        CHECK(r.dns.count("A h16.big.example") == 0);
    }
    SECTION("max-addresses entries are answered") {
        r.limits.max_addresses = 5;
        const Answer a = r.lookup("big.example");
        CHECK(describe(a) == std::vector<std::string>{
                                 "h0.big.example 2001:db8::1 5269 starttls",
                                 "h0.big.example 192.0.2.1 5269 starttls",
                                 "h0.big.example 198.51.100.1 5269 starttls",
                                 "h1.big.example 2001:db8::2 5269 starttls",
                                 "h1.big.example 192.0.2.2 5269 starttls",
                             });
    }
}

TEST_CASE("a lookup destroyed early ignores late answers") {
    FakeDns dns;
    jng::Log log("test", jng::LogLevel::kError);
    bool called = false;
    {
        Lookup l(dns, log, "late.example", {}, no_random, [&](Answer) { called = true; });
        l.start();
    }
    dns.run();
    CHECK_FALSE(called);
}
