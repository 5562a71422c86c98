// Latency histograms and error tallies for the load generator: fixed memory
// whatever the run length, mergeable across shards.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jng::loadgen {

// A log-linear histogram of non-negative integers (microseconds here), after
// HdrHistogram: values below 64 are counted exactly, larger ones in buckets
// 1/32 of their power of two wide, so any percentile is within 3.2% of the
// true value. Fixed size (about 15 KiB), O(1) to record.
class Histogram {
public:
    static constexpr int kSubBucketBits = 6;
    static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;  // 64
    static constexpr uint64_t kHalf = kSubBuckets / 2;                      // 32
    static constexpr size_t kBucketCount = kSubBuckets + (64 - kSubBucketBits) * kHalf;

    void record(uint64_t value, uint64_t times = 1);
    void merge(const Histogram& other);
    void clear();

    uint64_t count() const { return count_; }
    uint64_t min() const { return count_ ? min_ : 0; }
    uint64_t max() const { return max_; }
    double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }

    // The value at percentile `p` (0..100): the highest value of the bucket
    // holding the ceil(p% of count)-th smallest value, clamped to [min, max].
    // 0 for an empty histogram.
    uint64_t percentile(double p) const;

    // Non-empty buckets as (highest value in the bucket, count), ascending;
    // record(value, count) of each rebuilds an equivalent histogram (merging
    // shards' JSON does exactly that).
    std::vector<std::pair<uint64_t, uint64_t>> buckets() const;

    static size_t bucket_of(uint64_t value);
    static uint64_t bucket_low(size_t index);
    static uint64_t bucket_high(size_t index);

private:
    std::array<uint64_t, kBucketCount> counts_{};
    uint64_t count_ = 0;
    uint64_t min_ = UINT64_MAX;
    uint64_t max_ = 0;
    // Sums of microsecond latencies fit easily: 2^64 us is 584,000 years.
    uint64_t sum_ = 0;
};

// Why things failed, by a short reason ("timeout:binding",
// "sasl:not-authorized", "connect:Connection refused"). Bounded: past
// kMaxKinds distinct reasons, further new ones are counted as "other".
class ErrorCounts {
public:
    static constexpr size_t kMaxKinds = 64;

    void add(std::string_view reason, uint64_t n = 1);
    uint64_t total() const { return total_; }
    uint64_t get(std::string_view reason) const;
    const std::map<std::string, uint64_t, std::less<>>& all() const { return counts_; }

private:
    std::map<std::string, uint64_t, std::less<>> counts_;
    uint64_t total_ = 0;
};

}  // namespace jng::loadgen
