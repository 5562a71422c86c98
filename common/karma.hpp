// A token bucket ("karma", after jabberd2): a connection may send `rate`
// units per second on average and `burst` at once. c2s, s2s and the router
// meter bytes in with it and stop reading while a connection is over.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace jng {

class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;

    TokenBucket() = default;
    // rate == 0 means unlimited.
    TokenBucket(uint64_t rate, uint64_t burst)
        : rate_(rate), burst_(std::max(burst, rate)), tokens_(static_cast<double>(burst_)),
          last_(Clock::now()) {}

    bool unlimited() const { return rate_ == 0; }

    // Takes `n` units; false when that put the bucket in debt.
    bool take(uint64_t n, Clock::time_point now = Clock::now()) {
        if (unlimited()) return true;
        refill(now);
        tokens_ -= static_cast<double>(n);
        return tokens_ >= 0;
    }

    // How long until the bucket is out of debt.
    std::chrono::milliseconds wait_time(Clock::time_point now = Clock::now()) {
        if (unlimited()) return std::chrono::milliseconds(0);
        refill(now);
        if (tokens_ >= 0) return std::chrono::milliseconds(0);
        return std::chrono::milliseconds(
            static_cast<int64_t>(-tokens_ * 1000.0 / static_cast<double>(rate_)) + 1);
    }

private:
    void refill(Clock::time_point now) {
        if (now <= last_) return;
        const double secs = std::chrono::duration<double>(now - last_).count();
        last_ = now;
        tokens_ = std::min(static_cast<double>(burst_), tokens_ + secs * static_cast<double>(rate_));
    }

    uint64_t rate_ = 0;
    uint64_t burst_ = 0;
    double tokens_ = 0;
    Clock::time_point last_{};
};

}  // namespace jng
