// The router's name table: exclusive and shared names, the default route,
// and per-user resolution of shared names.
#include <catch.hpp>

#include "routing_table.hpp"

using jng::router::RoutingTable;

TEST_CASE("a name is held by one component unless all share it") {
    RoutingTable t;
    CHECK(t.bind("example.com", 1, "sm-1", false));
    CHECK_FALSE(t.bind("example.com", 2, "sm-2", true));
    CHECK(t.bind("example.com", 1, "sm-1", false));  // again: harmless
    CHECK(t.resolve("example.com", "a@example.com") == 1u);
    CHECK_FALSE(t.resolve("other.com", "a@other.com"));

    RoutingTable shared;
    CHECK(shared.bind("example.com", 1, "sm-1", true));
    CHECK_FALSE(shared.bind("example.com", 2, "sm-2", false));
    CHECK(shared.bind("example.com", 2, "sm-2", true));
    CHECK(shared.holders("example.com")->size() == 2);
}

TEST_CASE("a shared name is resolved per user, consistently") {
    RoutingTable t;
    REQUIRE(t.bind("example.com", 1, "sm-1", true));
    REQUIRE(t.bind("example.com", 2, "sm-2", true));
    int first = 0, second = 0;
    for (int i = 0; i < 1000; ++i) {
        const std::string user = "u" + std::to_string(i) + "@example.com";
        const auto a = t.resolve("example.com", user);
        REQUIRE(a);
        CHECK(t.resolve("example.com", user) == a);
        (*a == 1 ? first : second)++;
    }
    CHECK(first > 300);
    CHECK(second > 300);
}

TEST_CASE("unbinding the last holder frees the name") {
    RoutingTable t;
    REQUIRE(t.bind("example.com", 1, "sm-1", true));
    REQUIRE(t.bind("example.com", 2, "sm-2", true));
    t.unbind("example.com", 1);
    CHECK(t.resolve("example.com", "x@example.com") == 2u);
    t.unbind("example.com", 2);
    CHECK_FALSE(t.held("example.com"));
    CHECK(t.bind("example.com", 3, "sm-3", false));
}

TEST_CASE("one default route") {
    RoutingTable t;
    CHECK_FALSE(t.default_route());
    CHECK(t.bind_default(7));
    CHECK_FALSE(t.bind_default(8));
    CHECK(t.default_route() == 7u);
    t.unbind_default(8);
    CHECK(t.default_route() == 7u);
    t.unbind_default(7);
    CHECK_FALSE(t.default_route());
}
