// The join rate of a MUC service: how often one user (bare JID) may enter
// rooms - `rate` joins per second on average, `burst` at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace jng::muc {

// A token bucket per user that admits or refuses: unlike the karma
// buckets of c2s and the router (common/karma.hpp), which let a reader
// run into debt and then pause it, a refused join costs nothing, so a
// client that waits the time it is told gets in, and one that keeps
// knocking is not pushed further back.
class JoinLimiter {
public:
    using Clock = std::chrono::steady_clock;

    struct Verdict {
        bool admitted = true;
        std::chrono::milliseconds retry_after{0};  // when refused: until the next token
    };

    // rate == 0: unlimited. burst is at least 1.
    JoinLimiter(uint64_t rate, uint64_t burst);

    Verdict admit(std::string_view user, Clock::time_point now = Clock::now());
    // Forgets the users whose buckets are full again: remembering them
    // changes nothing.
    void purge(Clock::time_point now = Clock::now());
    size_t tracked() const { return buckets_.size(); }

private:
    struct Bucket {
        double tokens = 0;
        Clock::time_point last;
    };
    double refilled(const Bucket& b, Clock::time_point now) const;

    double rate_;
    double burst_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace jng::muc
