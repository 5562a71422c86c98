// The load generator's histogram: exact below 64, within 1/32 above, the
// nearest-rank percentile definition, merging, and the error tally.
#include <catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "stats.hpp"

using jng::loadgen::ErrorCounts;
using jng::loadgen::Histogram;

namespace {
// The exact nearest-rank percentile of a sorted sample.
uint64_t exact(const std::vector<uint64_t>& sorted, double p) {
    auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    rank = std::clamp<size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}
}  // namespace

TEST_CASE("an empty histogram reports zeros") {
    Histogram h;
    CHECK(h.count() == 0);
    CHECK(h.percentile(50) == 0);
    CHECK(h.percentile(99.9) == 0);
    CHECK(h.min() == 0);
    CHECK(h.max() == 0);
    CHECK(h.mean() == 0.0);
    CHECK(h.buckets().empty());
}

TEST_CASE("small values are counted exactly") {
    Histogram h;
    for (uint64_t v = 1; v <= 50; ++v) h.record(v);
    CHECK(h.count() == 50);
    CHECK(h.percentile(50) == 25);
    CHECK(h.percentile(99) == 50);
    CHECK(h.percentile(2) == 1);
    CHECK(h.percentile(0) == 1);
    CHECK(h.percentile(100) == 50);
    CHECK(h.min() == 1);
    CHECK(h.max() == 50);
    CHECK(h.mean() == Approx(25.5));
}

TEST_CASE("one value: every percentile is that value") {
    Histogram h;
    h.record(123456);
    for (double p : {0.0, 50.0, 99.0, 99.9, 100.0}) CHECK(h.percentile(p) == 123456);
}

TEST_CASE("buckets tile the number line without gaps or overlaps") {
    for (size_t i = 0; i + 1 < Histogram::kBucketCount; ++i) {
        REQUIRE(Histogram::bucket_high(i) + 1 == Histogram::bucket_low(i + 1));
        REQUIRE(Histogram::bucket_of(Histogram::bucket_low(i)) == i);
        REQUIRE(Histogram::bucket_of(Histogram::bucket_high(i)) == i);
    }
    CHECK(Histogram::bucket_of(UINT64_MAX) == Histogram::kBucketCount - 1);
    CHECK(Histogram::bucket_high(Histogram::kBucketCount - 1) == UINT64_MAX);
}

TEST_CASE("percentiles of a skewed sample are within the bucket precision") {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> latency(7.0, 1.2);  // microseconds, a long tail
    Histogram h;
    std::vector<uint64_t> sample;
    for (int i = 0; i < 100000; ++i) {
        const auto v = static_cast<uint64_t>(latency(rng));
        sample.push_back(v);
        h.record(v);
    }
    std::sort(sample.begin(), sample.end());
    for (double p : {50.0, 90.0, 99.0, 99.9}) {
        const auto truth = static_cast<double>(exact(sample, p));
        const auto got = static_cast<double>(h.percentile(p));
        INFO("p" << p << " exact " << truth << " histogram " << got);
        // Never below the true value, at most one bucket width (1/32) above.
        CHECK(got >= truth);
        CHECK(got <= truth * (1.0 + 1.0 / 32.0) + 1.0);
    }
    CHECK(h.percentile(100) == sample.back());
    CHECK(h.min() == sample.front());
}

TEST_CASE("percentiles ascend with p") {
    Histogram h;
    for (uint64_t v = 0; v < 10000; v += 7) h.record(v * v);
    uint64_t last = 0;
    for (double p = 0; p <= 100; p += 0.5) {
        const uint64_t v = h.percentile(p);
        CHECK(v >= last);
        last = v;
    }
}

TEST_CASE("merging equals recording everything in one") {
    Histogram a, b, all;
    for (uint64_t v = 0; v < 5000; ++v) {
        (v % 3 ? a : b).record(v * 13);
        all.record(v * 13);
    }
    a.merge(b);
    CHECK(a.count() == all.count());
    CHECK(a.min() == all.min());
    CHECK(a.max() == all.max());
    CHECK(a.mean() == Approx(all.mean()));
    for (double p : {50.0, 99.0, 99.9}) CHECK(a.percentile(p) == all.percentile(p));
    CHECK(a.buckets() == all.buckets());
}

TEST_CASE("buckets rebuild an equivalent histogram (how shards are merged)") {
    Histogram h;
    for (uint64_t v = 100; v < 100000; v += 37) h.record(v);
    Histogram rebuilt;
    for (const auto& [value, count] : h.buckets()) rebuilt.record(value, count);
    // A bucket stands for its highest value; merge_shards.py clamps to the
    // shards' real min and max, as percentile() does, and so must we here.
    for (double p : {0.0, 50.0, 90.0, 99.0, 100.0}) {
        CHECK(std::clamp(rebuilt.percentile(p), h.min(), h.max()) == h.percentile(p));
    }
    CHECK(rebuilt.count() == h.count());
}

TEST_CASE("error reasons are tallied, and their number is bounded") {
    ErrorCounts e;
    e.add("timeout:binding");
    e.add("timeout:binding", 2);
    e.add("sasl:not-authorized");
    e.add("ignored", 0);
    CHECK(e.total() == 4);
    CHECK(e.get("timeout:binding") == 3);
    CHECK(e.get("ignored") == 0);
    for (int i = 0; i < 200; ++i) e.add("reason " + std::to_string(i));
    CHECK(e.all().size() <= ErrorCounts::kMaxKinds + 1);
    CHECK(e.get("other") == 200 - (ErrorCounts::kMaxKinds - 2));
    CHECK(e.total() == 204);
}
