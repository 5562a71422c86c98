// JoinLimiter: per-user token buckets that charge only the joins they admit.
#include "join_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace jng::muc {

JoinLimiter::JoinLimiter(uint64_t rate, uint64_t burst)
    : rate_(static_cast<double>(rate)), burst_(static_cast<double>(std::max<uint64_t>(burst, 1))) {}

double JoinLimiter::refilled(const Bucket& b, Clock::time_point now) const {
    if (now <= b.last) return b.tokens;
    const double secs = std::chrono::duration<double>(now - b.last).count();
    return std::min(burst_, b.tokens + secs * rate_);
}

JoinLimiter::Verdict JoinLimiter::admit(std::string_view user, Clock::time_point now) {
    if (rate_ == 0) return {};
    Bucket& b = buckets_.try_emplace(std::string(user), Bucket{burst_, now}).first->second;
    b.tokens = refilled(b, now);
    b.last = std::max(b.last, now);
    // The epsilon absorbs rounding: a client that waited retry_after ms
    // has its token.
    if (b.tokens >= 1.0 - 1e-9) {
        b.tokens -= 1.0;
        return {};
    }
    // Rounded up: after this long the next join is admitted, not nearly.
    const double ms = std::ceil((1.0 - b.tokens) * 1000.0 / rate_);
    return {false, std::chrono::milliseconds(static_cast<int64_t>(ms))};
}

void JoinLimiter::purge(Clock::time_point now) {
    std::erase_if(buckets_, [&](const auto& entry) { return refilled(entry.second, now) >= burst_; });
}

}  // namespace jng::muc
