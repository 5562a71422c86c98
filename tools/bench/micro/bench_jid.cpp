// JID parsing and normalization (RFC 7622, stringprep through libidn): done
// for every 'to' and 'from' that arrives from outside.
#include <benchmark/benchmark.h>

#include <string>

#include "jid.hpp"

namespace {

void parse(benchmark::State& state, const std::string& text) {
    for (auto _ : state) benchmark::DoNotOptimize(jng::Jid::parse(text));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_JidParse_Bare(benchmark::State& state) { parse(state, "juliet@example.com"); }
void BM_JidParse_Full(benchmark::State& state) { parse(state, "juliet@example.com/balcony-4f2a9c"); }
void BM_JidParse_MixedCase(benchmark::State& state) { parse(state, "Juliet.Capulet@Example.COM/Balcony"); }
void BM_JidParse_Unicode(benchmark::State& state) {
    parse(state, "j\xc3\xbcliet@\xc3\xa9xample.com/r\xc3\xa9sum\xc3\xa9");
}
void BM_JidParse_Domain(benchmark::State& state) { parse(state, "conference.example.com"); }
BENCHMARK(BM_JidParse_Bare);
BENCHMARK(BM_JidParse_Full);
BENCHMARK(BM_JidParse_MixedCase);
BENCHMARK(BM_JidParse_Unicode);
BENCHMARK(BM_JidParse_Domain);

void BM_JidMake(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(jng::Jid::make("user1234", "example.com", "phone"));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_JidMake);

void BM_JidNodeprep(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(jng::jid::nodeprep("User1234"));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_JidNodeprep);

// Comparing parsed JIDs is a string compare of the normalized form.
void BM_JidBareStr(benchmark::State& state) {
    const auto jid = *jng::Jid::parse("juliet@example.com/balcony");
    for (auto _ : state) benchmark::DoNotOptimize(jid.bare_str());
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_JidBareStr);

}  // namespace
