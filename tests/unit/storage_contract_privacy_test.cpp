// The storage contract for privacy lists and the default list (XEP-0016,
// and the blocklist kept as one of them). Run against every backend in
// storage_backends.hpp, like storage_contract_test.cpp.
#include <catch.hpp>

#include "rows.hpp"
#include "schema.hpp"
#include "storage_contract_util.hpp"

using namespace jng;
using namespace jng::storage;
using namespace jng::storage::test;

using Type = PrivacyItem::Type;

TEST_CASE("contract: privacy lists round-trip every field", "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& privacy = d->privacy();
        const std::string owner = "alice@example.com";

        auto none = privacy.lists(owner);
        require_ok(none);
        CHECK(none->empty());
        auto missing = privacy.list(owner, "work");
        require_ok(missing);
        CHECK_FALSE(missing->has_value());

        // Every type, both actions, the extremes of order.
        PrivacyList work{"work", {}};
        work.items.push_back(rule(Type::kJid, "boss@example.com", 0, true));
        work.items.push_back(rule(Type::kJid, "example.net/resource", 1));
        work.items.push_back(rule(Type::kGroup, "Friends", 10, true));
        for (const char* s10n : {"none", "to", "from", "both"})
            work.items.push_back(rule(Type::kSubscription, s10n, 20 + work.items.size()));
        work.items.push_back(fall_through(UINT32_MAX, false));
        PrivacyList away{"away", {fall_through(5)}};
        require_ok(privacy.put(owner, work));
        require_ok(privacy.put(owner, away));
        // Another user's list of the same name is separate.
        require_ok(privacy.put("bob@example.com", PrivacyList{"work", {fall_through(1, false)}}));

        auto lists = privacy.lists(owner);
        require_ok(lists);
        CHECK(*lists == std::vector<PrivacyList>{away, work});  // by name
        auto got = privacy.list(owner, "work");
        require_ok(got);
        REQUIRE(got->has_value());
        CHECK(**got == work);

        // Each stanza kind alone, so that no two bits can be swapped unnoticed;
        // then all of them, and none (which means every kind).
        for (int bit = 0; bit < 6; ++bit) {
            PrivacyItem item = rule(Type::kGroup, "Family", 7);
            item.message = bit == 0 || bit == 4;
            item.iq = bit == 1 || bit == 4;
            item.presence_in = bit == 2 || bit == 4;
            item.presence_out = bit == 3 || bit == 4;
            PrivacyList kinds{"kinds", {item}};
            require_ok(privacy.put(owner, kinds));
            auto back = privacy.list(owner, "kinds");
            require_ok(back);
            REQUIRE(back->has_value());
            CHECK(**back == kinds);
        }

        // Items come back by order, whatever order they were given in.
        PrivacyList shuffled{
            "shuffled",
            {fall_through(30), rule(Type::kJid, "a@example.com", 3), rule(Type::kGroup, "g", 17)}};
        require_ok(privacy.put(owner, shuffled));
        auto sorted = privacy.list(owner, "shuffled");
        require_ok(sorted);
        REQUIRE(sorted->has_value());
        REQUIRE((*sorted)->items.size() == 3);
        CHECK((*sorted)->items[0] == shuffled.items[1]);
        CHECK((*sorted)->items[1] == shuffled.items[2]);
        CHECK((*sorted)->items[2] == shuffled.items[0]);

        // Putting a list again replaces all of its items.
        PrivacyList work2{"work", {rule(Type::kJid, "intern@example.com", 4)}};
        require_ok(privacy.put(owner, work2));
        auto replaced = privacy.list(owner, "work");
        require_ok(replaced);
        REQUIRE(replaced->has_value());
        CHECK(**replaced == work2);
        CHECK(backend.sql(R"(SELECT COUNT(*) FROM "privacy-items")"
                          R"( WHERE "collection-owner" = $1 AND "list" = 'work')",
                          {owner}) == std::vector<Row>{{"1"}});
        auto bobs = privacy.list("bob@example.com", "work");
        require_ok(bobs);
        REQUIRE(bobs->has_value());
        CHECK((*bobs)->items == std::vector<PrivacyItem>{fall_through(1, false)});

        // jabberd2's columns, as its importer and its own code read them.
        PrivacyItem blocked = rule(Type::kJid, "spam@example.com", 9);
        blocked.message = true;
        blocked.presence_out = true;
        require_ok(privacy.put(owner, PrivacyList{"raw", {blocked, fall_through(12)}}));
        auto raw = backend.sql(R"(SELECT "type", "value", "deny", "order", "block")"
                               R"( FROM "privacy-items" WHERE "collection-owner" = $1)"
                               R"( AND "list" = 'raw' ORDER BY "order")",
                               {owner});
        CHECK(raw == std::vector<Row>{{"jid", "spam@example.com", "1", "9", "5"},
                                      {std::nullopt, std::nullopt, "0", "12", "0"}});

        auto removed = privacy.remove(owner, "away");
        require_ok(removed);
        CHECK(*removed);
        auto removed_again = privacy.remove(owner, "away");
        require_ok(removed_again);
        CHECK_FALSE(*removed_again);
        auto gone = privacy.list(owner, "away");
        require_ok(gone);
        CHECK_FALSE(gone->has_value());
        auto still_bobs = privacy.remove("bob@example.com", "nothing");
        require_ok(still_bobs);
        CHECK_FALSE(*still_bobs);
    });
}

TEST_CASE("contract: privacy put refuses malformed lists", "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& privacy = d->privacy();
        const std::string owner = "alice@example.com";

        std::vector<PrivacyList> bad = {
            PrivacyList{"", {fall_through(1)}},
            PrivacyList{"empty", {}},  // XEP-0016 §2.3: that is a removal
            PrivacyList{"twice", {rule(Type::kJid, "a@example.com", 1), fall_through(1)}},
            PrivacyList{"no-jid", {rule(Type::kJid, "", 1)}},
            PrivacyList{"no-group", {rule(Type::kGroup, "", 1)}},
            PrivacyList{"s10n", {rule(Type::kSubscription, "sometimes", 1)}},
            PrivacyList{"s10n-case", {rule(Type::kSubscription, "Both", 1)}},
            PrivacyList{"valued-fall-through", {rule(Type::kNone, "x", 1)}},
            PrivacyList{"unknown-type", {rule(static_cast<Type>(9), "x", 1)}},
        };
        for (const auto& list : bad) {
            INFO("list " << list.name);
            CHECK_FALSE(privacy.put(owner, list).ok());
        }
        CHECK_FALSE(privacy.put("", PrivacyList{"ok", {fall_through(1)}}).ok());
        CHECK(count(backend, "privacy-items") == 0);
    });
}

TEST_CASE("contract: privacy default list is set, cleared, and follows its list",
          "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& privacy = d->privacy();
        const std::string owner = "alice@example.com";
        const std::string bob = "bob@example.com";

        auto none = privacy.default_list(owner);
        require_ok(none);
        CHECK_FALSE(none->has_value());

        // Only an existing list can be the default (XEP-0016 §2.4).
        CHECK_FALSE(privacy.set_default(owner, "work").ok());
        auto still_none = privacy.default_list(owner);
        require_ok(still_none);
        CHECK_FALSE(still_none->has_value());
        CHECK_FALSE(privacy.set_default(owner, std::string()).ok());

        const PrivacyList work{"work", {fall_through(1, false)}};
        const PrivacyList home{"home", {fall_through(1)}};
        require_ok(privacy.put(owner, work));
        require_ok(privacy.put(owner, home));
        require_ok(privacy.put(bob, work));
        require_ok(privacy.set_default(bob, "work"));

        require_ok(privacy.set_default(owner, "work"));
        auto is_work = privacy.default_list(owner);
        require_ok(is_work);
        CHECK(*is_work == std::optional<std::string>("work"));
        require_ok(privacy.set_default(owner, "home"));
        auto is_home = privacy.default_list(owner);
        require_ok(is_home);
        CHECK(*is_home == std::optional<std::string>("home"));

        // Declining the default (XEP-0016 §2.4: <default/> without a name).
        require_ok(privacy.set_default(owner, std::nullopt));
        auto declined = privacy.default_list(owner);
        require_ok(declined);
        CHECK_FALSE(declined->has_value());
        require_ok(privacy.set_default(owner, std::nullopt));  // twice is fine

        // Replacing the default list's items keeps it the default.
        require_ok(privacy.set_default(owner, "work"));
        require_ok(privacy.put(owner, PrivacyList{"work", {fall_through(2)}}));
        auto kept = privacy.default_list(owner);
        require_ok(kept);
        CHECK(*kept == std::optional<std::string>("work"));

        // Removing another list leaves the default alone; removing the
        // default list clears it, for this user only.
        auto removed_home = privacy.remove(owner, "home");
        require_ok(removed_home);
        CHECK(*removed_home);
        auto after_home = privacy.default_list(owner);
        require_ok(after_home);
        CHECK(*after_home == std::optional<std::string>("work"));
        auto removed_work = privacy.remove(owner, "work");
        require_ok(removed_work);
        CHECK(*removed_work);
        auto cleared = privacy.default_list(owner);
        require_ok(cleared);
        CHECK_FALSE(cleared->has_value());
        CHECK(rows_in(backend, "privacy-default", owner) == 0);
        auto bobs = privacy.default_list(bob);
        require_ok(bobs);
        CHECK(*bobs == std::optional<std::string>("work"));
    });
}

TEST_CASE("contract: privacy put replaces a list atomically", "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& privacy = d->privacy();
        const std::string owner = "alice@example.com";

        const PrivacyList work{"work",
                               {rule(Type::kJid, "boss@example.com", 1, true),
                                rule(Type::kGroup, "Friends", 2), fall_through(3)}};
        require_ok(privacy.put(owner, work));
        require_ok(privacy.set_default(owner, "work"));

        // The database fails the put half-way (old items deleted, the first
        // new one inserted): the old list must be there, whole.
        backend.refuse_insert("privacy-items", "value");
        const PrivacyList changed{"work",
                                  {rule(Type::kJid, "intern@example.com", 1),
                                   rule(Type::kGroup, std::string(kRefused), 2)}};
        CHECK_FALSE(privacy.put(owner, changed).ok());
        auto back = privacy.list(owner, "work");
        require_ok(back);
        REQUIRE(back->has_value());
        CHECK(**back == work);
        auto still_default = privacy.default_list(owner);
        require_ok(still_default);
        CHECK(*still_default == std::optional<std::string>("work"));

        // A failed put of a new list leaves nothing of it.
        const PrivacyList fresh{"fresh",
                                {fall_through(1), rule(Type::kJid, std::string(kRefused), 2)}};
        CHECK_FALSE(privacy.put(owner, fresh).ok());
        auto no_fresh = privacy.list(owner, "fresh");
        require_ok(no_fresh);
        CHECK_FALSE(no_fresh->has_value());

        // The connection is still usable afterwards.
        CHECK(d->healthy());
        const PrivacyList fixed{"work", {rule(Type::kJid, "intern@example.com", 1)}};
        require_ok(privacy.put(owner, fixed));
        auto after = privacy.list(owner, "work");
        require_ok(after);
        REQUIRE(after->has_value());
        CHECK(**after == fixed);
    });
}
