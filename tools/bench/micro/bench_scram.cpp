// A SCRAM derivation at the default 4,096 iterations: what a PLAIN login
// (checking the password against the stored keys), a new account and
// `jabberdctl user add-many` cost per password, on a crypto thread.
#include <benchmark/benchmark.h>

#include "sasl/scram.hpp"

namespace {

using jng::sasl::Hash;

void BM_Scram_VerifyPlain(benchmark::State& state, Hash hash) {
    const auto credential = jng::sasl::derive(hash, "correct horse battery staple");
    if (!credential) {
        state.SkipWithError("derivation failed");
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            jng::sasl::verify(hash, "correct horse battery staple", *credential));
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK_CAPTURE(BM_Scram_VerifyPlain, sha1, Hash::kSha1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Scram_VerifyPlain, sha256, Hash::kSha256)->Unit(benchmark::kMillisecond);

}  // namespace
