// The storage contract across tables: removing an account, transactions,
// two connections at once, and rows or strings that are corrupt or hostile.
// Run against every backend in storage_backends.hpp, like
// storage_contract_test.cpp.
#include <catch.hpp>
#include <set>

#include "rows.hpp"
#include "schema.hpp"
#include "storage_contract_util.hpp"

using namespace jng;
using namespace jng::storage;
using namespace jng::storage::test;

namespace {

// An account with a row in every collection a user owns (two where a
// collection holds several).
void fill_account(Driver& d, const std::string& user, const std::string& realm) {
    const std::string owner = owner_of(user, realm);
    require_ok(d.authreg().create(account(user, realm)));
    RosterItem item = contact("friend@example.net");
    item.groups = {"Friends", "Others"};
    require_ok(d.roster().put(owner, item));
    require_ok(d.roster().put(owner, contact("other@example.net")));
    require_ok(d.queue().push(owner, "<message/>"));

    PrivacyItem deny_friend;
    deny_friend.type = PrivacyItem::Type::kJid;
    deny_friend.value = "friend@example.net";
    deny_friend.order = 1;
    PrivacyItem allow_rest;
    allow_rest.allow = true;
    allow_rest.order = 2;
    require_ok(d.privacy().put(owner, PrivacyList{"work", {deny_friend, allow_rest}}));
    require_ok(d.privacy().put(owner, PrivacyList{"home", {allow_rest}}));
    require_ok(d.privacy().set_default(owner, "work"));

    require_ok(d.vcard().put(owner, "<vCard xmlns='vcard-temp'><FN>" + user + "</FN></vCard>"));
    require_ok(
        d.private_xml().put(owner, "storage:bookmarks", "<storage xmlns='storage:bookmarks'/>"));
    require_ok(d.private_xml().put(owner, "exodus:prefs", "<prefs xmlns='exodus:prefs'/>"));
    require_ok(d.last().set(owner, LastLogout{1'700'000'100, "gone"}));
    require_ok(d.active().set_if_absent(owner, 1'600'000'000));
    require_ok(d.announce().set_last_seen(owner, 1'700'000'000));
    require_ok(d.vacation().set(owner, Vacation{0, 0, "away"}));
}

}  // namespace

TEST_CASE("contract: every owner-keyed table is covered by remove_user", "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        const std::set<std::string> owner_keyed(kOwnerKeyedTables.begin(), kOwnerKeyedTables.end());
        const std::set<std::string> domain_keyed(kDomainKeyedTables.begin(),
                                                 kDomainKeyedTables.end());
        auto tables = backend.collection_owner_tables();
        REQUIRE_FALSE(tables.empty());
        // Each table with the column is in exactly one list: remove_user walks
        // the first, and the second is the written-down reason to skip one.
        for (const auto& table : tables) {
            INFO("table " << table << " has \"collection-owner\" but is in "
                          << owner_keyed.count(table) + domain_keyed.count(table)
                          << " of kOwnerKeyedTables and kDomainKeyedTables");
            CHECK(owner_keyed.count(table) + domain_keyed.count(table) == 1);
        }
        // And neither list names a table the schema lacks (or one without the
        // column, which remove_user's DELETE would fail on).
        const std::set<std::string> in_catalog(tables.begin(), tables.end());
        for (const auto& table : owner_keyed) {
            INFO("kOwnerKeyedTables names " << table);
            CHECK(in_catalog.count(table) == 1);
        }
        for (const auto& table : domain_keyed) {
            INFO("kDomainKeyedTables names " << table);
            CHECK(in_catalog.count(table) == 1);
        }
        CHECK(tables.size() == owner_keyed.size() + domain_keyed.size());
    });
}

TEST_CASE("contract: remove_user removes every row of the account and nothing else",
          "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());

        // The victim and a bystander with data in every collection; the
        // bystander shares the username in another realm, and the realm.
        const std::vector<std::pair<std::string, std::string>> users = {
            {"alice", "example.com"}, {"alice", "example.org"}, {"bob", "example.com"}};
        for (const auto& [user, realm] : users) fill_account(*d, user, realm);
        // Rows that belong to the domains, not to anyone in them.
        for (const std::string domain : {"example.com", "example.org"}) {
            require_ok(d->announce().set_motd(
                domain, Motd{"<message><body>hi</body></message>", 1'700'000'000}));
            require_ok(d->disco_items().put(domain, DiscoItem{"news." + domain, "News", ""}));
            // A MUC service's room, the account among its affiliations: kept
            // (muc/README.md, "Account removal").
            auto muc = d->muc();
            require_ok(muc);
            MucRoom room{"lobby", "<x xmlns='jabber:x:data' type='submit'/>", "", "", 1, {}};
            room.affiliations.push_back({"alice@example.com", MucAffiliation::Kind::kOwner, ""});
            require_ok((*muc)->put_room(domain, room));
        }
        const std::set<std::string> domain_keyed(kDomainKeyedTables.begin(),
                                                 kDomainKeyedTables.end());
        std::vector<std::string> owner_tables;
        for (const auto& table : backend.collection_owner_tables())
            if (domain_keyed.count(table) == 0) owner_tables.push_back(table);
        REQUIRE(owner_tables.size() == kOwnerKeyedTables.size());
        for (const auto& table : owner_tables) {
            INFO("table " << table);
            REQUIRE(rows_in(backend, table, "alice@example.com") > 0);
        }

        require_ok(d->remove_user("alice", "example.com"));

        for (const auto& table : owner_tables) {
            INFO("table " << table);
            CHECK(rows_in(backend, table, "alice@example.com") == 0);
            CHECK(rows_in(backend, table, "alice@example.org") > 0);
            CHECK(rows_in(backend, table, "bob@example.com") > 0);
        }
        for (const auto& table : kDomainKeyedTables) {
            INFO("table " << table);
            CHECK(rows_in(backend, std::string(table), "example.com") == 1);
            CHECK(rows_in(backend, std::string(table), "example.org") == 1);
        }
        auto gone = d->authreg().get("alice", "example.com");
        require_ok(gone);
        CHECK_FALSE(gone->has_value());
        auto kept = d->authreg().list("example.com");
        require_ok(kept);
        CHECK(*kept == std::vector<std::string>{"bob"});
        auto bob_roster = d->roster().items("bob@example.com");
        require_ok(bob_roster);
        CHECK(bob_roster->size() == 2);
        auto bob_lists = d->privacy().lists("bob@example.com");
        require_ok(bob_lists);
        CHECK(bob_lists->size() == 2);
        auto bob_default = d->privacy().default_list("bob@example.com");
        require_ok(bob_default);
        CHECK(*bob_default == std::optional<std::string>("work"));
        auto alice_vcard = d->vcard().get("alice@example.com");
        require_ok(alice_vcard);
        CHECK_FALSE(alice_vcard->has_value());
        auto motd = d->announce().motd("example.com");
        require_ok(motd);
        CHECK(motd->has_value());
        auto disco = d->disco_items().items("example.com");
        require_ok(disco);
        CHECK(disco->size() == 1);

        // Removing an account that does not exist is not an error.
        require_ok(d->remove_user("nobody", "example.com"));
        CHECK_FALSE(d->remove_user("", "example.com").ok());
        CHECK_FALSE(d->remove_user("alice", "").ok());
    });
}

TEST_CASE("contract: a transaction commits on success and rolls back on failure",
          "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        const std::string owner = "alice@example.com";

        Status failed = d->transaction([&]() -> Status {
            if (auto s = d->queue().push(owner, "<message/>"); !s) return s.error();
            if (auto s = d->roster().put(owner, contact("bob@example.com")); !s) return s;
            if (auto s = d->authreg().create(account("alice", "example.com")); !s) return s.error();
            return fail("changed my mind");
        });
        REQUIRE_FALSE(failed.ok());
        CHECK(failed.message() == "changed my mind");
        auto count = d->queue().count(owner);
        require_ok(count);
        CHECK(*count == 0);
        auto items = d->roster().items(owner);
        require_ok(items);
        CHECK(items->empty());
        auto account_row = d->authreg().get("alice", "example.com");
        require_ok(account_row);
        CHECK_FALSE(account_row->has_value());

        // Nested: an inner failure undoes only the inner part.
        Status outer = d->transaction([&]() -> Status {
            if (auto s = d->queue().push(owner, "<message id='kept'/>"); !s) return s.error();
            Status inner = d->transaction([&]() -> Status {
                if (auto s = d->queue().push(owner, "<message id='undone'/>"); !s) return s.error();
                return fail("inner");
            });
            CHECK_FALSE(inner.ok());
            return {};
        });
        require_ok(outer);
        auto queued = d->queue().items(owner);
        require_ok(queued);
        REQUIRE(queued->size() == 1);
        CHECK(queued->front().xml == "<message id='kept'/>");

        // An error from the database itself rolls back too.
        backend.refuse_group();
        Status db_error = d->transaction([&]() -> Status {
            if (auto s = d->queue().push(owner, "<message id='lost'/>"); !s) return s.error();
            RosterItem item = contact("carol@example.com");
            item.groups = {std::string(kRefusedGroup)};
            return d->roster().put(owner, item);
        });
        CHECK_FALSE(db_error.ok());
        auto still = d->queue().count(owner);
        require_ok(still);
        CHECK(*still == 1);
    });
}

TEST_CASE("contract: two connections see each other's writes", "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto factory = backend.factory();
        auto one = connect(*factory);
        auto two = connect(*factory);
        const std::string owner = "alice@example.com";

        require_ok(one->authreg().create(account("alice", "example.com")));
        auto seen = two->authreg().get("alice", "example.com");
        require_ok(seen);
        CHECK(seen->has_value());

        auto seq = two->queue().push(owner, "<message/>");
        require_ok(seq);
        auto items = one->queue().items(owner);
        require_ok(items);
        REQUIRE(items->size() == 1);
        CHECK(items->front().seq == *seq);

        // A reader's snapshot ends with its operation: a later write by the
        // other connection is visible to its next read.
        RosterItem bob = contact("bob@example.com");
        require_ok(one->roster().put(owner, bob));
        auto r1 = two->roster().items(owner);
        require_ok(r1);
        CHECK(r1->size() == 1);
        bob.name = "Bob";
        require_ok(one->roster().put(owner, bob));
        auto r2 = two->roster().get(owner, bob.jid);
        require_ok(r2);
        REQUIRE(r2->has_value());
        CHECK((*r2)->name == "Bob");

        // And a separately created factory (another process) sees them too.
        auto three = connect(*backend.factory());
        auto count = three->queue().count(owner);
        require_ok(count);
        CHECK(*count == 1);
    });
}

TEST_CASE("contract: corrupt rows are errors, not crashes", "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        const std::string owner = "alice@example.com";
        require_ok(d->authreg().create(account("alice", "example.com")));
        RosterItem bob = contact("bob@example.com");
        bob.groups = {"Friends"};
        require_ok(d->roster().put(owner, bob));
        require_ok(d->queue().push(owner, "<message/>"));

        // Each damage is applied alone, then undone. Only values every SQL
        // database accepts in these column types: a wrong type altogether is
        // a SQLite-only hazard, tested in storage_sqlite_test.cpp.
        struct Damage {
            std::string table, column, bad, good;
        };
        const std::vector<Damage> damages = {
            {"authreg", "scram-sha1-iterations", "-1", "4096"},
            {"authreg", "scram-sha256-iterations", "2000000000", "4096"},
            {"authreg", "scram-sha1-salt", "not base64!", "c2FsdGE="},
            {"authreg", "scram-sha256-stored-key", "abc", std::string(64, 'a')},
            {"authreg", "scram-sha1-server-key", std::string(40, 'z'), std::string(39, 'a') + "f"},
            {"roster-items", "ask", "7", "0"},
            {"roster-items", "to", "2", "0"},
            {"roster-items", "hidden", "5", "0"},
            {"roster-items", "approved", "-1", "0"},
            {"roster-groups", "group", "", "Friends"},
            {"queue", "xml", "", "<message/>"},
        };
        auto read_back = [&](const std::string& table) -> bool {
            if (table == "authreg") return d->authreg().get("alice", "example.com").ok();
            if (table.rfind("roster", 0) == 0)
                return d->roster().items(owner).ok() && d->roster().get(owner, bob.jid).ok();
            return d->queue().items(owner).ok();
        };
        for (const auto& damage : damages) {
            INFO(damage.table << "." << damage.column << " = " << damage.bad);
            const std::string key = damage.table == "authreg" ? "username" : "collection-owner";
            const std::string who = damage.table == "authreg" ? "alice" : owner;
            const std::string update = "UPDATE \"" + damage.table + "\" SET \"" + damage.column +
                                       "\" = $1 WHERE \"" + key + "\" = $2";
            backend.sql(update, {damage.bad, who});
            CHECK_FALSE(read_back(damage.table));
            CHECK(d->healthy());  // bad data, not a broken connection
            backend.sql(update, {damage.good, who});
            CHECK(read_back(damage.table));
        }
    });
}

TEST_CASE("contract: hostile strings are stored and read back verbatim", "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        const std::vector<std::string> hostile = {
            "o'neil",
            "'; DROP TABLE \"roster-items\"; --",
            "\"quoted\" and \\backslash\\ and $1 and ? and %s",
            "Zoë 😀 日本語 \u202e\u200b",
            "line\nbreak\ttab\r",
            std::string(10000, 'x'),
        };
        for (size_t i = 0; i < hostile.size(); ++i) {
            const std::string& s = hostile[i];
            INFO("string " << i);
            const std::string user = s + std::to_string(i);
            const std::string realm = s + ".example";
            require_ok(d->authreg().create(account(user, realm)));
            auto names = d->authreg().list(realm);
            require_ok(names);
            CHECK(*names == std::vector<std::string>{user});

            const std::string owner = owner_of(user, realm);
            RosterItem item = contact(s);
            item.name = s;
            item.pending_in = s;
            item.groups = {s, s + "2"};
            require_ok(d->roster().put(owner, item));
            auto back = d->roster().get(owner, s);
            require_ok(back);
            REQUIRE(back->has_value());
            CHECK(**back == item);

            auto seq = d->queue().push(owner, s);
            require_ok(seq);
            auto queued = d->queue().items(owner);
            require_ok(queued);
            CHECK(*queued == std::vector<QueuedStanza>{{*seq, s}});

            require_ok(d->remove_user(user, realm));
            auto gone = d->roster().items(owner);
            require_ok(gone);
            CHECK(gone->empty());
        }
        // Every table is still there.
        CHECK(backend.collection_owner_tables().size() ==
              kOwnerKeyedTables.size() + kDomainKeyedTables.size());
        auto status = d->schema_status();
        require_ok(status);
        CHECK(status->current == latest_version());
    });
}
