// The answer cache on an injected clock: TTLs clamped, negative and
// failure times, least recently used eviction, purging.
#include <catch.hpp>

#include "cache.hpp"

using namespace jng::resolver;
using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;

namespace {

struct FakeClock {
    TimePoint now{} ;
    Clock clock() {
        return [this] { return now; };
    }
};

CachePolicy policy() {
    CachePolicy p;
    p.max_entries = 3;
    p.min_ttl = 60s;
    p.max_ttl = 3600s;
    p.negative_ttl = 30s;
    p.failure_ttl = 5s;
    return p;
}

Answer found(uint32_t ttl, bool degraded = false) {
    return Answer::found({Target{"x.example", "192.0.2.1", 5269, Tls::kStartTls}}, ttl, degraded);
}

}  // namespace

TEST_CASE("how long answers are kept") {
    const CachePolicy p = policy();
    CHECK(cache_time(found(300), p) == 300s);
    CHECK(cache_time(found(5), p) == 60s);          // clamped up to min-ttl
    CHECK(cache_time(found(1000000), p) == 3600s);  // clamped down to max-ttl
    CHECK(cache_time(found(300, true), p) == 5s);   // incomplete: as a failure
    CHECK(cache_time(Answer::not_found("no"), p) == 30s);
    CHECK(cache_time(Answer::timeout("slow"), p) == 5s);
}

TEST_CASE("a found answer expires with its TTL") {
    FakeClock t;
    Cache c(policy(), t.clock());
    c.put("a.example", found(300));
    t.now += 299s;
    REQUIRE(c.find("a.example"));
    CHECK(c.find("a.example")->targets.size() == 1);
    t.now += 1s;
    CHECK_FALSE(c.find("a.example"));
    CHECK(c.size() == 0);
}

TEST_CASE("negative answers are cached for negative-ttl, failures for failure-ttl") {
    FakeClock t;
    Cache c(policy(), t.clock());
    c.put("nx.example", Answer::not_found("NXDOMAIN"));
    c.put("slow.example", Answer::timeout("timeout"));
    t.now += 4s;
    REQUIRE(c.find("nx.example"));
    CHECK(c.find("nx.example")->outcome == Outcome::kNotFound);
    REQUIRE(c.find("slow.example"));
    t.now += 1s;
    CHECK_FALSE(c.find("slow.example"));
    t.now += 25s;
    CHECK_FALSE(c.find("nx.example"));
}

TEST_CASE("a failure-ttl of 0 keeps no failures") {
    FakeClock t;
    CachePolicy p = policy();
    p.failure_ttl = 0s;
    Cache c(p, t.clock());
    c.put("slow.example", Answer::timeout("timeout"));
    CHECK(c.size() == 0);
    SECTION("and a new failure replaces an old answer") {
        c.put("x.example", found(300));
        c.put("x.example", Answer::timeout("timeout"));
        CHECK_FALSE(c.find("x.example"));
    }
}

TEST_CASE("the least recently used entry is evicted first") {
    FakeClock t;
    Cache c(policy(), t.clock());  // 3 entries
    c.put("a", found(300));
    c.put("b", found(300));
    c.put("c", found(300));
    REQUIRE(c.find("a"));  // a is now the most recently used
    c.put("d", found(300));
    CHECK(c.size() == 3);
    CHECK_FALSE(c.find("b"));
    CHECK(c.find("a"));
    CHECK(c.find("c"));
    CHECK(c.find("d"));
}

TEST_CASE("replacing an entry keeps one copy") {
    FakeClock t;
    Cache c(policy(), t.clock());
    c.put("a", found(300));
    c.put("a", Answer::not_found("gone"));
    CHECK(c.size() == 1);
    CHECK(c.find("a")->outcome == Outcome::kNotFound);
}

TEST_CASE("purge drops what expired") {
    FakeClock t;
    Cache c(policy(), t.clock());
    c.put("short", Answer::timeout("t"));  // 5 s
    c.put("long", found(300));
    t.now += 10s;
    CHECK(c.purge() == 1);
    CHECK(c.size() == 1);
    CHECK(c.find("long"));
}

TEST_CASE("a cache of size 0 keeps nothing") {
    FakeClock t;
    CachePolicy p = policy();
    p.max_entries = 0;
    Cache c(p, t.clock());
    c.put("a", found(300));
    CHECK(c.size() == 0);
}
