// The join rate of a MUC service: a burst at once, then `rate` per second;
// a refused join costs nothing and says truthfully when to come back.
#include <catch.hpp>

#include "join_limiter.hpp"

using jng::muc::JoinLimiter;
using std::chrono::milliseconds;

namespace {
const JoinLimiter::Clock::time_point t0{std::chrono::seconds(1000)};
}

TEST_CASE("joins: the burst at once, then refused with the wait until the next token") {
    JoinLimiter joins(1, 3);
    for (int i = 0; i < 3; ++i) CHECK(joins.admit("hecate@example.com", t0).admitted);
    const auto v = joins.admit("hecate@example.com", t0);
    CHECK_FALSE(v.admitted);
    CHECK(v.retry_after == milliseconds(1000));
    // Others have buckets of their own.
    CHECK(joins.admit("witch@example.com", t0).admitted);
}

TEST_CASE("joins: a refused join is not charged, so waiting as told is enough") {
    JoinLimiter joins(1, 3);
    for (int i = 0; i < 3; ++i) joins.admit("hecate@example.com", t0);
    // Knocking again and again does not push the next token further away.
    CHECK(joins.admit("hecate@example.com", t0).retry_after == milliseconds(1000));
    const auto later = joins.admit("hecate@example.com", t0 + milliseconds(400));
    CHECK_FALSE(later.admitted);
    CHECK(later.retry_after == milliseconds(600));
    CHECK(joins.admit("hecate@example.com", t0 + milliseconds(1000)).admitted);
    // That token is spent: the next one is a whole second away again.
    const auto next = joins.admit("hecate@example.com", t0 + milliseconds(1000));
    CHECK_FALSE(next.admitted);
    CHECK(next.retry_after == milliseconds(1000));
}

TEST_CASE("joins: the bucket refills at the rate, up to the burst") {
    JoinLimiter joins(2, 4);
    for (int i = 0; i < 4; ++i) joins.admit("hecate@example.com", t0);
    CHECK(joins.admit("hecate@example.com", t0).retry_after == milliseconds(500));
    // An hour later: four again, not 7200.
    const auto hour = t0 + std::chrono::hours(1);
    for (int i = 0; i < 4; ++i) CHECK(joins.admit("hecate@example.com", hour).admitted);
    CHECK_FALSE(joins.admit("hecate@example.com", hour).admitted);
}

TEST_CASE("joins: rate 0 admits everything and remembers nobody") {
    JoinLimiter joins(0, 1);
    for (int i = 0; i < 100; ++i) CHECK(joins.admit("hecate@example.com", t0).admitted);
    CHECK(joins.tracked() == 0);
}

TEST_CASE("joins: purge forgets full buckets only") {
    JoinLimiter joins(1, 2);
    joins.admit("hecate@example.com", t0);
    joins.admit("hecate@example.com", t0);
    joins.admit("witch@example.com", t0);
    CHECK(joins.tracked() == 2);
    // At t0+1s the witch is full again (1 + 1), Hecate is not (0 + 1).
    joins.purge(t0 + milliseconds(1000));
    CHECK(joins.tracked() == 1);
    CHECK(joins.admit("hecate@example.com", t0 + milliseconds(1000)).admitted);
    joins.purge(t0 + std::chrono::seconds(10));
    CHECK(joins.tracked() == 0);
}
