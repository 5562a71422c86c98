// Histogram bucket arithmetic and the bounded error tally.
#include "stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace jng::loadgen {

size_t Histogram::bucket_of(uint64_t value) {
    if (value < kSubBuckets) return static_cast<size_t>(value);
    // value >> shift lands in [32, 64): the top six bits of the value.
    const int msb = 63 - std::countl_zero(value);
    const int shift = msb - (kSubBucketBits - 1);
    return static_cast<size_t>(kSubBuckets + static_cast<uint64_t>(shift - 1) * kHalf +
                               ((value >> shift) - kHalf));
}

uint64_t Histogram::bucket_low(size_t index) {
    if (index < kSubBuckets) return index;
    const uint64_t rel = index - kSubBuckets;
    const int shift = static_cast<int>(rel / kHalf) + 1;
    return (kHalf + rel % kHalf) << shift;
}

uint64_t Histogram::bucket_high(size_t index) {
    if (index < kSubBuckets) return index;
    const int shift = static_cast<int>((index - kSubBuckets) / kHalf) + 1;
    return bucket_low(index) + ((uint64_t{1} << shift) - 1);
}

void Histogram::record(uint64_t value, uint64_t times) {
    if (times == 0) return;
    counts_[bucket_of(value)] += times;
    count_ += times;
    sum_ += value * times;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
}

void Histogram::merge(const Histogram& other) {
    if (other.count_ == 0) return;
    for (size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
}

void Histogram::clear() { *this = Histogram(); }

uint64_t Histogram::percentile(double p) const {
    if (count_ == 0) return 0;
    p = std::clamp(p, 0.0, 100.0);
    // The rank of the wanted value, 1-based; p = 0 asks for the smallest.
    auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<uint64_t>(rank, 1, count_);
    uint64_t seen = 0;
    for (size_t i = 0; i < kBucketCount; ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::clamp(bucket_high(i), min_, max_);
    }
    return max_;
}

std::vector<std::pair<uint64_t, uint64_t>> Histogram::buckets() const {
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (size_t i = 0; i < kBucketCount; ++i) {
        if (counts_[i] != 0) out.emplace_back(bucket_high(i), counts_[i]);
    }
    return out;
}

void ErrorCounts::add(std::string_view reason, uint64_t n) {
    if (n == 0) return;
    total_ += n;
    if (auto it = counts_.find(reason); it != counts_.end()) {
        it->second += n;
        return;
    }
    if (counts_.size() >= kMaxKinds) {
        counts_["other"] += n;
        return;
    }
    counts_.emplace(std::string(reason), n);
}

uint64_t ErrorCounts::get(std::string_view reason) const {
    const auto it = counts_.find(reason);
    return it == counts_.end() ? 0 : it->second;
}

}  // namespace jng::loadgen
