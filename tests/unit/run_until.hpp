// Runs an event loop until a condition holds, for tests whose results
// arrive on the loop: fails the test after `limit` instead of hanging.
#pragma once

#include <catch.hpp>
#include <chrono>
#include <functional>

#include "net/loop.hpp"

namespace jng::test {

inline void run_until(net::Loop& loop, const std::function<bool()>& finished,
                      std::chrono::seconds limit = std::chrono::seconds(20)) {
    bool timed_out = false;
    net::Timer watchdog(loop, [&] {
        timed_out = true;
        loop.stop();
    });
    watchdog.start(limit);
    net::Timer poll(loop, [&] {
        if (finished()) loop.stop();
    });
    poll.start_repeating(std::chrono::milliseconds(5));
    loop.run();
    REQUIRE_FALSE(timed_out);
    REQUIRE(finished());
}

}  // namespace jng::test
