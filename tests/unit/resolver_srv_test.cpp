// SRV selection: RFC 2782 priority and weighted order with a scripted and
// a seeded RNG, '.' and invalid records, XEP-0368 mixing of both services,
// and the family order of one host's addresses.
#include <catch.hpp>

#include <map>
#include <random>

#include "srv.hpp"

using namespace jng::resolver;

namespace {

Candidate cand(std::string host, uint16_t priority, uint16_t weight, Tls tls = Tls::kStartTls,
               uint16_t port = 5269) {
    return Candidate{std::move(host), port, priority, weight, tls, 300};
}

std::vector<std::string> hosts(const std::vector<Candidate>& cs) {
    std::vector<std::string> out;
    for (const auto& c : cs) out.push_back(c.host);
    return out;
}

// Returns the scripted values in turn (each clamped to the bound asked for).
Rng scripted(std::vector<uint32_t> values) {
    auto state = std::make_shared<std::pair<std::vector<uint32_t>, size_t>>(std::move(values), 0);
    return [state](uint32_t bound) {
        auto& [v, i] = *state;
        const uint32_t x = i < v.size() ? v[i++] : 0;
        return std::min(x, bound);
    };
}

Rng seeded(uint32_t seed) {
    auto engine = std::make_shared<std::mt19937>(seed);
    return [engine](uint32_t bound) {
        return std::uniform_int_distribution<uint32_t>(0, bound)(*engine);
    };
}

}  // namespace

TEST_CASE("SRV candidates are ordered by ascending priority") {
    std::vector<Candidate> in = {cand("c", 30, 0), cand("a", 10, 0), cand("b", 20, 0),
                                 cand("a2", 10, 0)};
    CHECK(hosts(order_candidates(in, scripted({}))) ==
          std::vector<std::string>{"a", "a2", "b", "c"});
}

TEST_CASE("weighted selection follows RFC 2782's running sums") {
    // One priority, weights 10, 20, 30 (sum 60); running sums 10, 30, 60.
    std::vector<Candidate> in = {cand("w10", 5, 10), cand("w20", 5, 20), cand("w30", 5, 30)};
    SECTION("a random number of 0 picks the first record") {
        CHECK(hosts(order_candidates(in, scripted({0, 0, 0}))) ==
              std::vector<std::string>{"w10", "w20", "w30"});
    }
    SECTION("the first running sum that reaches the number wins") {
        // 25 -> w20 (10 < 25 <= 30); then w10, w30 left (sums 10, 40): 11 -> w30.
        CHECK(hosts(order_candidates(in, scripted({25, 11, 0}))) ==
              std::vector<std::string>{"w20", "w30", "w10"});
    }
    SECTION("the largest number picks the last record") {
        CHECK(hosts(order_candidates(in, scripted({60, 30, 10}))) ==
              std::vector<std::string>{"w30", "w20", "w10"});
    }
}

TEST_CASE("zero weights go first in the running sums and keep their order when alone") {
    // RFC 2782: records of weight 0 are placed at the beginning of the list,
    // so a random 0 picks one of them even among weighted records.
    std::vector<Candidate> in = {cand("heavy", 1, 50), cand("zero", 1, 0)};
    CHECK(hosts(order_candidates(in, scripted({0, 0}))) ==
          std::vector<std::string>{"zero", "heavy"});
    CHECK(hosts(order_candidates(in, scripted({1, 0}))) ==
          std::vector<std::string>{"heavy", "zero"});

    std::vector<Candidate> zeros = {cand("z1", 1, 0), cand("z2", 1, 0), cand("z3", 1, 0)};
    CHECK(hosts(order_candidates(zeros, seeded(7))) ==
          std::vector<std::string>{"z1", "z2", "z3"});
}

TEST_CASE("weights give the share of first places over many runs") {
    const std::vector<Candidate> in = {cand("w10", 0, 10), cand("w30", 0, 30),
                                       cand("w60", 0, 60), cand("later", 1, 1000)};
    const Rng rng = seeded(20240521);
    std::map<std::string, int> first;
    std::map<std::string, int> last_of_group;
    const int runs = 20000;
    for (int i = 0; i < runs; ++i) {
        const auto out = order_candidates(in, rng);
        REQUIRE(out.size() == 4);
        REQUIRE(out[3].host == "later");  // a higher priority never mixes in
        ++first[out[0].host];
        ++last_of_group[out[2].host];
    }
    // Expected shares of the first place: 10/100, 30/100, 60/100 (the
    // +1 of [0, sum] is negligible here). 20000 runs: one standard
    // deviation is at most 0.0035.
    CHECK(first["w10"] / double(runs) == Approx(0.10).margin(0.02));
    CHECK(first["w30"] / double(runs) == Approx(0.30).margin(0.02));
    CHECK(first["w60"] / double(runs) == Approx(0.60).margin(0.02));
    // The lightest is most often left for last.
    CHECK(last_of_group["w10"] > last_of_group["w30"]);
    CHECK(last_of_group["w30"] > last_of_group["w60"]);
}

TEST_CASE("a zero weight among weighted records is rarely first") {
    const std::vector<Candidate> in = {cand("zero", 0, 0), cand("w99", 0, 99)};
    const Rng rng = seeded(42);
    int zero_first = 0;
    const int runs = 20000;
    for (int i = 0; i < runs; ++i) zero_first += order_candidates(in, rng)[0].host == "zero";
    // Only a random 0 out of [0, 99] picks it: 1 in 100.
    CHECK(zero_first / double(runs) == Approx(0.01).margin(0.005));
}

TEST_CASE("xmpps and xmpp records mix by priority (XEP-0368)") {
    std::vector<Candidate> in = {
        cand("plain10", 10, 0, Tls::kStartTls), cand("plain20", 20, 0, Tls::kStartTls),
        cand("direct5", 5, 0, Tls::kDirect),    cand("direct15", 15, 0, Tls::kDirect)};
    const auto out = order_candidates(in, scripted({}));
    CHECK(hosts(out) == std::vector<std::string>{"direct5", "plain10", "direct15", "plain20"});
    CHECK(out[0].tls == Tls::kDirect);
    CHECK(out[1].tls == Tls::kStartTls);

    SECTION("equal priorities share one weighted draw") {
        std::vector<Candidate> same = {cand("plain", 10, 10, Tls::kStartTls),
                                       cand("direct", 10, 30, Tls::kDirect)};
        const Rng rng = seeded(99);
        int direct_first = 0;
        for (int i = 0; i < 10000; ++i) {
            direct_first += order_candidates(same, rng)[0].tls == Tls::kDirect;
        }
        // A number in [0, 40]: 0..10 picks plain, 11..40 direct.
        CHECK(direct_first / 10000.0 == Approx(30.0 / 41).margin(0.03));
    }
}

TEST_CASE("classifying SRV answers") {
    SECTION("a single '.' target: decidedly no service") {
        SrvAnswer a{DnsStatus::kOk, {{0, 0, 0, "", 300}}};
        CHECK(classify_srv(a, Tls::kStartTls).verdict == SrvVerdict::kNoService);
    }
    SECTION("a '.' among real targets is ignored") {
        SrvAnswer a{DnsStatus::kOk, {{0, 0, 0, "", 300}, {5, 1, 5269, "xmpp.example.org", 300}}};
        const SrvSet s = classify_srv(a, Tls::kDirect);
        REQUIRE(s.verdict == SrvVerdict::kTargets);
        REQUIRE(s.candidates.size() == 1);
        CHECK(s.candidates[0] == Candidate{"xmpp.example.org", 5269, 5, 1, Tls::kDirect, 300});
    }
    SECTION("invalid hosts and port 0 are dropped; target names are normalized") {
        SrvAnswer a{DnsStatus::kOk,
                    {{1, 1, 0, "noport.example.org", 1},
                     {1, 1, 5269, "bad_name!.example.org", 1},
                     {1, 1, 5269, "-leading.example.org", 1},
                     {1, 1, 5270, "XMPP.Example.ORG", 1}}};
        const SrvSet s = classify_srv(a, Tls::kStartTls);
        REQUIRE(s.verdict == SrvVerdict::kTargets);
        REQUIRE(s.candidates.size() == 1);
        CHECK(s.candidates[0].host == "xmpp.example.org");
        CHECK(s.candidates[0].port == 5270);
    }
    SECTION("records that are all invalid are unusable, not absent") {
        SrvAnswer a{DnsStatus::kOk, {{1, 1, 0, "x.example.org", 1}, {1, 1, 1, "a..b", 1}}};
        CHECK(classify_srv(a, Tls::kStartTls).verdict == SrvVerdict::kUnusable);
    }
    SECTION("NXDOMAIN and NODATA: none; timeouts and failures: failed") {
        CHECK(classify_srv({DnsStatus::kNxDomain, {}}, Tls::kStartTls).verdict == SrvVerdict::kNone);
        CHECK(classify_srv({DnsStatus::kNoData, {}}, Tls::kStartTls).verdict == SrvVerdict::kNone);
        CHECK(classify_srv({DnsStatus::kTimeout, {}}, Tls::kStartTls).verdict == SrvVerdict::kFailed);
        CHECK(classify_srv({DnsStatus::kServerFailure, {}}, Tls::kStartTls).verdict ==
              SrvVerdict::kFailed);
        CHECK(classify_srv({DnsStatus::kBadResponse, {}}, Tls::kStartTls).verdict ==
              SrvVerdict::kFailed);
    }
}

TEST_CASE("one host's addresses: IPv6 first, then alternating families") {
    const std::vector<AddressRecord> v6 = {{"2001:db8::1", 1}, {"2001:db8::2", 1}};
    const std::vector<AddressRecord> v4 = {{"192.0.2.1", 1}, {"192.0.2.2", 1}, {"192.0.2.3", 1}};
    std::vector<std::string> order;
    for (const auto& a : interleave_families(v6, v4)) order.push_back(a.address);
    CHECK(order == std::vector<std::string>{"2001:db8::1", "192.0.2.1", "2001:db8::2",
                                            "192.0.2.2", "192.0.2.3"});
    CHECK(interleave_families({}, v4).size() == 3);
    CHECK(interleave_families(v6, {}).size() == 2);
}
