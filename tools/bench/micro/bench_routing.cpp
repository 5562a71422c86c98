// The router's lookup for every stanza: which component holds the domain
// of its 'to', and for a domain shared by several session managers, which
// one serves this user (consistent hash ring).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "hash_ring.hpp"
#include "routing_table.hpp"

namespace {

std::vector<std::string> users(size_t n) {
    std::vector<std::string> u;
    for (size_t i = 0; i < n; ++i) u.push_back("user" + std::to_string(i) + "@example.com");
    return u;
}

void BM_HashRing_Pick(benchmark::State& state) {
    jng::HashRing ring;
    for (int i = 0; i < state.range(0); ++i) ring.add("sm-" + std::to_string(i + 1));
    const auto keys = users(4096);
    size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(ring.pick(keys[i++ & 4095]));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HashRing_Pick)->Arg(2)->Arg(8)->Arg(32);

void BM_HashRing_Hash(benchmark::State& state) {
    const std::string key = "user12345@example.com";
    for (auto _ : state) benchmark::DoNotOptimize(jng::HashRing::hash(key));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HashRing_Hash);

// A table as a real deployment has it: components, a few domains, MUC.
jng::router::RoutingTable table(int shared_sms) {
    jng::router::RoutingTable t;
    jng::router::ConnId id = 1;
    (void)t.bind("c2s-1", id++, "c2s-1", false);
    (void)t.bind("c2s-2", id++, "c2s-2", false);
    (void)t.bind("resolver", id++, "resolver", false);
    (void)t.bind("conference.example.com", id++, "muc", false);
    (void)t.bind("other.org", id++, "sm-other", false);
    (void)t.bind_default(id++);
    for (int i = 0; i < shared_sms; ++i) {
        const std::string sm = "sm-" + std::to_string(i + 1);
        const auto conn = id++;
        (void)t.bind(sm, conn, sm, false);
        (void)t.bind("example.com", conn, sm, shared_sms > 1);
    }
    return t;
}

void BM_Route_OwnDomain(benchmark::State& state) {
    const auto t = table(1);
    const auto keys = users(4096);
    size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(t.resolve("example.com", keys[i++ & 4095]));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Route_OwnDomain);

void BM_Route_SharedDomain(benchmark::State& state) {
    const auto t = table(static_cast<int>(state.range(0)));
    const auto keys = users(4096);
    size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(t.resolve("example.com", keys[i++ & 4095]));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Route_SharedDomain)->Arg(2)->Arg(4)->Arg(16);

// A domain nobody binds: the caller falls back to the default route (s2s).
void BM_Route_Remote(benchmark::State& state) {
    const auto t = table(1);
    for (auto _ : state) benchmark::DoNotOptimize(t.resolve("jabber.org", "someone@jabber.org"));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Route_Remote);

}  // namespace
