// The sending phase of the paced scenarios (chat, presence): a warm-up, a
// measured window, then the end of sending; and at a fixed rate, the clock
// that says which items are due, with a bound on the work under way.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "net/loop.hpp"
#include "options.hpp"

namespace jng::loadgen {

class Pacer {
public:
    Pacer(net::Loop& loop, const Options& opts) : loop_(loop), opts_(opts) {}

    // Starts sending now: `over` runs once warm-up and duration have
    // passed; at a fixed rate (--rate) `tick` runs every millisecond until
    // then. Without a rate the caller keeps its window full by itself.
    void start(std::function<void()> tick, std::function<void()> over);
    // Stops the ticks (the end of sending, or the end of the run).
    void stop_ticks() { tick_.reset(); }

    // Whether a moment (a send stamp, a delivery) lies in the measured window.
    bool measured(uint64_t at_us) const {
        return at_us >= measure_start_us_ && at_us < measure_end_us_;
    }

    // At a fixed rate: item k is due at k/rate from the start, the one at
    // 0 included (stamped with its scheduled time, so 1/rate is never added
    // to a latency). Calls `send(at)` for every item due by `now_us` not
    // handed out yet, or `skip()` instead while `under_way` (the caller's
    // live count) has reached the bound: memory stays bounded when the
    // server falls behind.
    void due(uint64_t now_us, const uint64_t& under_way,
             const std::function<void(uint64_t at)>& send, const std::function<void()>& skip);

private:
    net::Loop& loop_;
    const Options& opts_;
    std::unique_ptr<net::Timer> over_, tick_;
    uint64_t start_us_ = 0, measure_start_us_ = 0, measure_end_us_ = UINT64_MAX;
    uint64_t scheduled_ = 0, max_under_way_ = 0;
};

}  // namespace jng::loadgen
