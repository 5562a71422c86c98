// The storage contract for the session manager's other per-user services:
// vCards, private XML, last and first activity, announcements, vacation
// replies and a domain's disco items (privacy lists:
// storage_contract_privacy_test.cpp). Run against every backend in
// storage_backends.hpp, like storage_contract_test.cpp.
#include <catch.hpp>

#include "rows.hpp"
#include "schema.hpp"
#include "storage_contract_util.hpp"

using namespace jng;
using namespace jng::storage;
using namespace jng::storage::test;

using Type = PrivacyItem::Type;

TEST_CASE("contract: vcard put, get, replace, remove, and its size limit", "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& vcard = d->vcard();
        const std::string owner = "alice@example.com";

        auto none = vcard.get(owner);
        require_ok(none);
        CHECK_FALSE(none->has_value());

        const std::string card =
            "<vCard xmlns='vcard-temp'><FN>Alice</FN><NICKNAME>al</NICKNAME>"
            "<PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgo=</BINVAL></PHOTO></vCard>";
        require_ok(vcard.put(owner, card));
        require_ok(vcard.put("bob@example.com", "<vCard xmlns='vcard-temp'/>"));
        auto got = vcard.get(owner);
        require_ok(got);
        CHECK(*got == std::optional<std::string>(card));

        const std::string card2 = "<vCard xmlns='vcard-temp'><FN>Alice B.</FN></vCard>";
        require_ok(vcard.put(owner, card2));
        auto replaced = vcard.get(owner);
        require_ok(replaced);
        CHECK(*replaced == std::optional<std::string>(card2));
        CHECK(count(backend, "vcard") == 2);

        // Up to 1 MiB is stored; a byte more is refused and changes nothing.
        const std::string open = "<vCard xmlns='vcard-temp'><DESC>", close = "</DESC></vCard>";
        const std::string largest =
            open + std::string(kMaxDocumentBytes - open.size() - close.size(), 'x') + close;
        REQUIRE(largest.size() == kMaxDocumentBytes);
        require_ok(vcard.put(owner, largest));
        auto big = vcard.get(owner);
        require_ok(big);
        CHECK(*big == std::optional<std::string>(largest));
        CHECK_FALSE(vcard.put(owner, largest + " ").ok());
        CHECK_FALSE(vcard.put(owner, "").ok());
        CHECK_FALSE(vcard.put("", card).ok());
        auto unchanged = vcard.get(owner);
        require_ok(unchanged);
        CHECK(*unchanged == std::optional<std::string>(largest));

        auto removed = vcard.remove(owner);
        require_ok(removed);
        CHECK(*removed);
        auto removed_again = vcard.remove(owner);
        require_ok(removed_again);
        CHECK_FALSE(*removed_again);
        auto gone = vcard.get(owner);
        require_ok(gone);
        CHECK_FALSE(gone->has_value());
        auto bobs = vcard.get("bob@example.com");
        require_ok(bobs);
        CHECK(bobs->has_value());
    });
}

TEST_CASE("contract: private XML is keyed by owner and namespace, hostile ones included",
          "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& store = d->private_xml();
        const std::string owner = "alice@example.com";

        auto none = store.get(owner, "storage:bookmarks");
        require_ok(none);
        CHECK_FALSE(none->has_value());

        const std::string bookmarks =
            "<storage xmlns='storage:bookmarks'><conference jid='a@conference.example.com'/>"
            "</storage>";
        const std::string prefs = "<prefs xmlns='exodus:prefs'/>";
        require_ok(store.put(owner, "storage:bookmarks", bookmarks));
        require_ok(store.put(owner, "exodus:prefs", prefs));
        require_ok(store.put("bob@example.com", "storage:bookmarks", "<storage/>"));
        auto got = store.get(owner, "storage:bookmarks");
        require_ok(got);
        CHECK(*got == std::optional<std::string>(bookmarks));
        auto got_prefs = store.get(owner, "exodus:prefs");
        require_ok(got_prefs);
        CHECK(*got_prefs == std::optional<std::string>(prefs));

        const std::string bookmarks2 = "<storage xmlns='storage:bookmarks'/>";
        require_ok(store.put(owner, "storage:bookmarks", bookmarks2));
        auto replaced = store.get(owner, "storage:bookmarks");
        require_ok(replaced);
        CHECK(*replaced == std::optional<std::string>(bookmarks2));
        auto bobs = store.get("bob@example.com", "storage:bookmarks");
        require_ok(bobs);
        CHECK(*bobs == std::optional<std::string>("<storage/>"));

        // The namespace is the client's choice: jabberd2's pgsql driver pasted
        // it into its SQL. Each must be stored and found as itself only.
        const auto& hostile = hostile_strings();
        for (size_t i = 0; i < hostile.size(); ++i) {
            INFO("namespace " << i);
            require_ok(store.put(owner, hostile[i], "<x n='" + std::to_string(i) + "'/>"));
        }
        for (size_t i = 0; i < hostile.size(); ++i) {
            INFO("namespace " << i);
            auto back = store.get(owner, hostile[i]);
            require_ok(back);
            CHECK(*back == std::optional<std::string>("<x n='" + std::to_string(i) + "'/>"));
        }
        // Wildcards are not patterns; a prefix or another case is another namespace.
        for (const std::string probe : {"%", "_", "*", "o'", "O'NEIL", "storage:"}) {
            INFO("probe " << probe);
            auto found = store.get(owner, probe);
            require_ok(found);
            CHECK_FALSE(found->has_value());
        }
        CHECK(rows_in(backend, "private", owner) == static_cast<int64_t>(hostile.size() + 2));
        CHECK(count(backend, "private") == static_cast<int64_t>(hostile.size() + 3));
        CHECK(backend.collection_owner_tables().size() ==
              kOwnerKeyedTables.size() + kDomainKeyedTables.size());

        CHECK_FALSE(store.put(owner, "", bookmarks).ok());
        CHECK_FALSE(store.put(owner, "storage:bookmarks", "").ok());
        CHECK_FALSE(store.put("", "storage:bookmarks", bookmarks).ok());
        CHECK_FALSE(
            store.put(owner, "big", "<x>" + std::string(kMaxDocumentBytes, 'x') + "</x>").ok());
    });
}

TEST_CASE("contract: last logout and first activity", "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        const std::string owner = "alice@example.com";
        const std::string bob = "bob@example.com";

        auto no_logout = d->last().get(owner);
        require_ok(no_logout);
        CHECK_FALSE(no_logout->has_value());
        const LastLogout first{1'700'000'000, "Gone fishing"};
        require_ok(d->last().set(owner, first));
        require_ok(d->last().set(bob, LastLogout{5, ""}));
        auto got = d->last().get(owner);
        require_ok(got);
        CHECK(*got == std::optional<LastLogout>(first));
        // The next logout replaces it, status cleared included.
        const LastLogout second{1'700'000'500, ""};
        require_ok(d->last().set(owner, second));
        auto replaced = d->last().get(owner);
        require_ok(replaced);
        CHECK(*replaced == std::optional<LastLogout>(second));
        auto bobs = d->last().get(bob);
        require_ok(bobs);
        CHECK(*bobs == std::optional<LastLogout>(LastLogout{5, ""}));
        CHECK_FALSE(d->last().set(owner, LastLogout{-1, ""}).ok());
        CHECK_FALSE(d->last().set("", first).ok());
        CHECK(count(backend, "logout") == 2);

        auto no_activity = d->active().get(owner);
        require_ok(no_activity);
        CHECK_FALSE(no_activity->has_value());
        auto set = d->active().set_if_absent(owner, 1'600'000'000);
        require_ok(set);
        CHECK(*set);
        // The first activity stays the first.
        auto again = d->active().set_if_absent(owner, 1'700'000'000);
        require_ok(again);
        CHECK_FALSE(*again);
        auto time = d->active().get(owner);
        require_ok(time);
        CHECK(*time == std::optional<int64_t>(1'600'000'000));
        auto zero = d->active().set_if_absent(bob, 0);
        require_ok(zero);
        CHECK(*zero);
        auto bobs_time = d->active().get(bob);
        require_ok(bobs_time);
        CHECK(*bobs_time == std::optional<int64_t>(0));
        CHECK_FALSE(d->active().set_if_absent("carol@example.com", -1).ok());
        CHECK_FALSE(d->active().set_if_absent("", 1).ok());
        CHECK(count(backend, "active") == 2);
    });
}

TEST_CASE("contract: announce keeps a message of the day per domain and last seen per user",
          "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& announce = d->announce();

        auto none = announce.motd("example.com");
        require_ok(none);
        CHECK_FALSE(none->has_value());

        const Motd motd{
            "<message from='example.com'><body>Maintenance at noon</body>"
            "<delay xmlns='urn:xmpp:delay' stamp='2023-11-14T22:13:20Z'/></message>",
            1'700'000'000};
        require_ok(announce.set_motd("example.com", motd));
        require_ok(announce.set_motd("example.org", Motd{"<message/>", 1}));
        auto got = announce.motd("example.com");
        require_ok(got);
        CHECK(*got == std::optional<Motd>(motd));
        const Motd motd2{"<message><body>All done</body></message>", 1'700'003'600};
        require_ok(announce.set_motd("example.com", motd2));
        auto replaced = announce.motd("example.com");
        require_ok(replaced);
        CHECK(*replaced == std::optional<Motd>(motd2));
        auto org = announce.motd("example.org");
        require_ok(org);
        CHECK(*org == std::optional<Motd>(Motd{"<message/>", 1}));

        // Keyed by a domain: a JID is refused, so that no user's removal
        // could reach the row.
        CHECK_FALSE(announce.set_motd("admin@example.com", motd).ok());
        CHECK_FALSE(announce.set_motd("example.com/announce", motd).ok());
        CHECK_FALSE(announce.set_motd("", motd).ok());
        CHECK_FALSE(announce.set_motd("example.com", Motd{"", 1}).ok());
        CHECK_FALSE(announce.set_motd("example.com", Motd{"<message/>", -1}).ok());
        CHECK_FALSE(
            announce.set_motd("example.com", Motd{std::string(kMaxDocumentBytes + 1, 'x'), 1})
                .ok());
        CHECK(count(backend, "motd-message") == 2);

        auto removed = announce.remove_motd("example.com");
        require_ok(removed);
        CHECK(*removed);
        auto removed_again = announce.remove_motd("example.com");
        require_ok(removed_again);
        CHECK_FALSE(*removed_again);
        auto gone = announce.motd("example.com");
        require_ok(gone);
        CHECK_FALSE(gone->has_value());

        const std::string owner = "alice@example.com";
        auto never = announce.last_seen(owner);
        require_ok(never);
        CHECK_FALSE(never->has_value());
        require_ok(announce.set_last_seen(owner, 1'700'000'000));
        require_ok(announce.set_last_seen("bob@example.com", 7));
        auto seen = announce.last_seen(owner);
        require_ok(seen);
        CHECK(*seen == std::optional<int64_t>(1'700'000'000));
        require_ok(announce.set_last_seen(owner, 1'700'003'600));
        auto later = announce.last_seen(owner);
        require_ok(later);
        CHECK(*later == std::optional<int64_t>(1'700'003'600));
        auto bobs = announce.last_seen("bob@example.com");
        require_ok(bobs);
        CHECK(*bobs == std::optional<int64_t>(7));
        CHECK_FALSE(announce.set_last_seen(owner, -1).ok());
        CHECK_FALSE(announce.set_last_seen("", 1).ok());
    });
}

TEST_CASE("contract: vacation settings set, replace, remove", "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& vacation = d->vacation();
        const std::string owner = "alice@example.com";

        auto none = vacation.get(owner);
        require_ok(none);
        CHECK_FALSE(none->has_value());

        const Vacation trip{1'700'000'000, 1'700'600'000, "Back on Monday."};
        require_ok(vacation.set(owner, trip));
        require_ok(vacation.set("bob@example.com", Vacation{0, 0, ""}));
        auto got = vacation.get(owner);
        require_ok(got);
        CHECK(*got == std::optional<Vacation>(trip));

        // Open-ended at either side, or both; a period of one instant.
        for (const Vacation& v :
             {Vacation{0, 1'700'600'000, "until"}, Vacation{1'700'000'000, 0, "from"},
              Vacation{0, 0, "always"}, Vacation{1'700'000'000, 1'700'000'000, "instant"}}) {
            INFO(v.message);
            require_ok(vacation.set(owner, v));
            auto back = vacation.get(owner);
            require_ok(back);
            CHECK(*back == std::optional<Vacation>(v));
        }
        auto bobs = vacation.get("bob@example.com");
        require_ok(bobs);
        CHECK(*bobs == std::optional<Vacation>(Vacation{0, 0, ""}));

        CHECK_FALSE(vacation.set(owner, Vacation{-1, 0, "x"}).ok());
        CHECK_FALSE(vacation.set(owner, Vacation{0, -1, "x"}).ok());
        CHECK_FALSE(vacation.set(owner, Vacation{1'700'000'001, 1'700'000'000, "x"}).ok());
        CHECK_FALSE(vacation.set("", trip).ok());
        CHECK(count(backend, "vacation-settings") == 2);

        auto removed = vacation.remove(owner);
        require_ok(removed);
        CHECK(*removed);
        auto removed_again = vacation.remove(owner);
        require_ok(removed_again);
        CHECK_FALSE(*removed_again);
        auto gone = vacation.get(owner);
        require_ok(gone);
        CHECK_FALSE(gone->has_value());
    });
}

TEST_CASE("contract: disco items are kept per domain by jid and node", "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& disco = d->disco_items();

        auto none = disco.items("example.com");
        require_ok(none);
        CHECK(none->empty());

        const DiscoItem news{"news.example.com", "News", ""};
        const DiscoItem feeds{"pubsub.example.com", "Feeds", "feeds"};
        const DiscoItem blogs{"pubsub.example.com", "", "blogs"};
        const DiscoItem bare{"pubsub.example.com", "", ""};
        for (const auto& item : {feeds, news, blogs, bare})
            require_ok(disco.put("example.com", item));
        require_ok(disco.put("example.org", news));

        auto items = disco.items("example.com");
        require_ok(items);
        CHECK(*items == std::vector<DiscoItem>{news, bare, blogs, feeds});  // by jid, node

        // The same jid and node again renames the item.
        const DiscoItem renamed{"news.example.com", "Headlines", ""};
        require_ok(disco.put("example.com", renamed));
        auto after = disco.items("example.com");
        require_ok(after);
        CHECK(*after == std::vector<DiscoItem>{renamed, bare, blogs, feeds});

        auto wrong_node = disco.remove("example.com", "pubsub.example.com", "nope");
        require_ok(wrong_node);
        CHECK_FALSE(*wrong_node);
        auto removed = disco.remove("example.com", "pubsub.example.com", "blogs");
        require_ok(removed);
        CHECK(*removed);
        auto removed_bare = disco.remove("example.com", "pubsub.example.com", "");
        require_ok(removed_bare);
        CHECK(*removed_bare);
        auto left = disco.items("example.com");
        require_ok(left);
        CHECK(*left == std::vector<DiscoItem>{renamed, feeds});
        auto org = disco.items("example.org");
        require_ok(org);
        CHECK(*org == std::vector<DiscoItem>{news});

        CHECK_FALSE(disco.put("example.com", DiscoItem{"", "x", ""}).ok());
        CHECK_FALSE(disco.put("", news).ok());
        CHECK_FALSE(disco.put("admin@example.com", news).ok());
        CHECK(count(backend, "disco-items") == 3);
    });
}

TEST_CASE("contract: hostile strings in the services' stores are stored verbatim",
          "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        const auto& hostile = hostile_strings();
        for (size_t i = 0; i < hostile.size(); ++i) {
            const std::string& s = hostile[i];
            INFO("string " << i);
            const std::string owner = s + "@" + s;

            PrivacyList list{s,
                             {rule(Type::kJid, s, 1), rule(Type::kGroup, s, 2), fall_through(3)}};
            require_ok(d->privacy().put(owner, list));
            require_ok(d->privacy().set_default(owner, s));
            auto lists = d->privacy().lists(owner);
            require_ok(lists);
            CHECK(*lists == std::vector<PrivacyList>{list});
            auto by_name = d->privacy().list(owner, s);
            require_ok(by_name);
            CHECK(*by_name == std::optional<PrivacyList>(list));
            auto default_list = d->privacy().default_list(owner);
            require_ok(default_list);
            CHECK(*default_list == std::optional<std::string>(s));

            require_ok(d->vcard().put(owner, s));
            auto card = d->vcard().get(owner);
            require_ok(card);
            CHECK(*card == std::optional<std::string>(s));

            require_ok(d->private_xml().put(owner, s, s));
            auto stored = d->private_xml().get(owner, s);
            require_ok(stored);
            CHECK(*stored == std::optional<std::string>(s));

            require_ok(d->last().set(owner, LastLogout{1, s}));
            auto logout = d->last().get(owner);
            require_ok(logout);
            CHECK(*logout == std::optional<LastLogout>(LastLogout{1, s}));

            require_ok(d->vacation().set(owner, Vacation{0, 0, s}));
            auto vacation = d->vacation().get(owner);
            require_ok(vacation);
            CHECK(*vacation == std::optional<Vacation>(Vacation{0, 0, s}));

            // The string as a domain, and in every field of a domain's rows.
            const std::string domain = as_domain(s);
            require_ok(d->announce().set_motd(domain, Motd{s, 2}));
            auto motd = d->announce().motd(domain);
            require_ok(motd);
            CHECK(*motd == std::optional<Motd>(Motd{s, 2}));
            const DiscoItem item{s, s, s};
            require_ok(d->disco_items().put(domain, item));
            auto items = d->disco_items().items(domain);
            require_ok(items);
            CHECK(*items == std::vector<DiscoItem>{item});
            auto removed_item = d->disco_items().remove(domain, s, s);
            require_ok(removed_item);
            CHECK(*removed_item);

            auto removed = d->privacy().remove(owner, s);
            require_ok(removed);
            CHECK(*removed);
            auto no_default = d->privacy().default_list(owner);
            require_ok(no_default);
            CHECK_FALSE(no_default->has_value());
        }
        // One row per string, in every table: nothing matched more than its own.
        const auto n = static_cast<int64_t>(hostile.size());
        for (const char* table :
             {"vcard", "private", "logout", "vacation-settings", "motd-message"}) {
            INFO(table);
            CHECK(count(backend, table) == n);
        }
        CHECK(count(backend, "privacy-items") == 0);
        CHECK(count(backend, "disco-items") == 0);
        CHECK(backend.collection_owner_tables().size() ==
              kOwnerKeyedTables.size() + kDomainKeyedTables.size());
    });
}

TEST_CASE("contract: corrupt rows in the services' tables are errors, not crashes",
          "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        const std::string owner = "alice@example.com";
        const std::string domain = "example.com";
        PrivacyItem friends = rule(Type::kGroup, "Friends", 1);
        friends.message = true;
        require_ok(d->privacy().put(owner, PrivacyList{"work", {friends}}));
        require_ok(d->privacy().set_default(owner, "work"));
        require_ok(d->vcard().put(owner, "<vCard xmlns='vcard-temp'/>"));
        require_ok(d->private_xml().put(owner, "storage:bookmarks", "<storage/>"));
        require_ok(d->last().set(owner, LastLogout{10, "bye"}));
        require_ok(d->active().set_if_absent(owner, 5));
        require_ok(d->announce().set_last_seen(owner, 7));
        require_ok(d->announce().set_motd(domain, Motd{"<message/>", 8}));
        require_ok(d->vacation().set(owner, Vacation{100, 200, "away"}));
        require_ok(d->disco_items().put(domain, DiscoItem{"news.example.com", "News", ""}));

        // Each damage alone, then undone; only values every SQL database takes
        // in these column types (wrong types: storage_sqlite_test.cpp). A
        // std::nullopt value is NULL.
        struct Damage {
            std::string table, column;
            std::optional<std::string> bad, good;
            std::string key;  // the "collection-owner" of the damaged row
        };
        const std::string huge(kMaxDocumentBytes + 1, 'x');
        const std::vector<Damage> damages = {
            {"privacy-items", "type", "jids", "group", owner},
            {"privacy-items", "type", "", "group", owner},
            {"privacy-items", "type", std::nullopt, "group", owner},    // a value without a type
            {"privacy-items", "type", "subscription", "group", owner},  // "Friends" is no state
            {"privacy-items", "value", "", "Friends", owner},
            {"privacy-items", "value", std::nullopt, "Friends", owner},
            {"privacy-items", "list", "", "work", owner},
            {"privacy-items", "deny", "2", "1", owner},
            {"privacy-items", "deny", "-1", "1", owner},
            {"privacy-items", "order", "-1", "1", owner},
            {"privacy-items", "order", "4294967296", "1", owner},
            {"privacy-items", "block", "16", "1", owner},
            {"privacy-items", "block", "-1", "1", owner},
            {"privacy-default", "default", "", "work", owner},
            {"vcard", "xml", "", "<vCard xmlns='vcard-temp'/>", owner},
            {"vcard", "xml", huge, "<vCard xmlns='vcard-temp'/>", owner},
            {"private", "xml", "", "<storage/>", owner},
            {"private", "xml", huge, "<storage/>", owner},
            {"logout", "time", "-1", "10", owner},
            {"active", "time", "-5", "5", owner},
            {"motd-times", "time", "-7", "7", owner},
            {"motd-message", "time", "-8", "8", domain},
            {"motd-message", "xml", "", "<message/>", domain},
            {"vacation-settings", "start", "-1", "100", owner},
            {"vacation-settings", "end", "-1", "200", owner},
            {"vacation-settings", "end", "99", "200", owner},  // ends before it starts
            {"disco-items", "jid", "", "news.example.com", domain},
        };
        auto read_back = [&](const std::string& table) -> bool {
            if (table == "privacy-items")
                return d->privacy().lists(owner).ok() && d->privacy().list(owner, "work").ok();
            if (table == "privacy-default") return d->privacy().default_list(owner).ok();
            if (table == "vcard") return d->vcard().get(owner).ok();
            if (table == "private") return d->private_xml().get(owner, "storage:bookmarks").ok();
            if (table == "logout") return d->last().get(owner).ok();
            if (table == "active") return d->active().get(owner).ok();
            if (table == "motd-times") return d->announce().last_seen(owner).ok();
            if (table == "motd-message") return d->announce().motd(domain).ok();
            if (table == "vacation-settings") return d->vacation().get(owner).ok();
            if (table == "disco-items") return d->disco_items().items(domain).ok();
            FAIL("no reader for " << table);
            return false;
        };
        auto set = [&](const Damage& damage, const std::optional<std::string>& value) {
            const std::string where = "WHERE \"collection-owner\" = $1";
            if (value)
                backend.sql(
                    "UPDATE \"" + damage.table + "\" SET \"" + damage.column + "\" = $2 " + where,
                    {damage.key, *value});
            else
                backend.sql(
                    "UPDATE \"" + damage.table + "\" SET \"" + damage.column + "\" = NULL " + where,
                    {damage.key});
        };
        for (const auto& damage : damages) {
            INFO(damage.table << "." << damage.column << " = "
                              << damage.bad.value_or("NULL").substr(0, 20));
            REQUIRE(read_back(damage.table));
            set(damage, damage.bad);
            auto bad_read = read_back(damage.table);
            CHECK_FALSE(bad_read);
            CHECK(d->healthy());  // bad data, not a broken connection
            set(damage, damage.good);
            CHECK(read_back(damage.table));
        }
    });
}
