// The storage contract: what every driver must do, written once and run
// against each backend in storage_backends.hpp (SQLite always, others when
// the test run can reach them). Here the schema's migration, accounts,
// rosters and the offline queue; across tables (account removal,
// transactions, bad rows) in storage_contract_integrity_test.cpp.
#include <catch.hpp>

#include "rows.hpp"
#include "schema.hpp"
#include "storage_contract_util.hpp"

using namespace jng;
using namespace jng::storage;
using namespace jng::storage::test;

TEST_CASE("contract: migrate brings a fresh database to this build's schema, once",
          "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        // As `jabberdctl db init` sees it: the schema as it is, then migrated.
        auto factory = backend.admin_factory();
        auto driver = connect(*factory);
        auto empty = driver->schema_status();
        require_ok(empty);
        CHECK(empty->current == 0);
        CHECK(empty->latest == latest_version());
        require_ok(driver->migrate());

        auto status = driver->schema_status();
        require_ok(status);
        CHECK(status->latest == latest_version());
        CHECK(status->latest == static_cast<int>(migrations().size()));
        CHECK(status->current == status->latest);

        // Every migration is recorded once, with the time it was applied.
        auto recorded = backend.sql(R"(SELECT "version", "name", "applied" FROM "jng-schema")"
                                    R"( ORDER BY "version")");
        REQUIRE(recorded.size() == migrations().size());
        for (size_t i = 0; i < recorded.size(); ++i) {
            CHECK(recorded[i][0] == std::to_string(migrations()[i].version));
            CHECK(recorded[i][1] == std::string(migrations()[i].name));
            CHECK(std::stoll(recorded[i][2].value()) > 1'600'000'000);
        }

        // Migrating again, or from another connection (a daemon's), changes nothing.
        require_ok(driver->migrate());
        auto again = connect(*backend.factory());
        require_ok(again->migrate());
        auto after = again->schema_status();
        require_ok(after);
        CHECK(after->current == status->current);
        CHECK(backend.sql(R"(SELECT COUNT(*) FROM "jng-schema")").at(0).at(0) ==
              std::to_string(migrations().size()));
        CHECK(driver->name() == backend.name());
    });
}

TEST_CASE("contract: authreg create, duplicate, get, set_credentials, list",
          "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto factory = backend.factory();
        auto d = connect(*factory);
        auto& authreg = d->authreg();

        auto missing = authreg.get("alice", "example.com");
        require_ok(missing);
        CHECK_FALSE(missing->has_value());

        AuthRecord alice = account("alice", "example.com", 'a');
        auto created = authreg.create(alice);
        require_ok(created);
        CHECK(*created);

        // A second create is refused and leaves the first untouched.
        AuthRecord impostor = account("alice", "example.com", 'b');
        auto duplicate = authreg.create(impostor);
        require_ok(duplicate);
        CHECK_FALSE(*duplicate);

        auto got = authreg.get("alice", "example.com");
        require_ok(got);
        REQUIRE(got->has_value());
        CHECK(**got == alice);

        // Same username, other realm: another account.
        require_ok(authreg.create(account("alice", "example.org", 'c')));
        // An account may lack one hash (imported, or SHA-1 disabled).
        AuthRecord bob = account("bob", "example.com", 'd');
        bob.sha1 = ScramCredential{};
        require_ok(authreg.create(bob));
        auto got_bob = authreg.get("bob", "example.com");
        require_ok(got_bob);
        REQUIRE(got_bob->has_value());
        CHECK((*got_bob)->sha1.empty());
        CHECK(**got_bob == bob);

        AuthRecord changed = account("alice", "example.com", 'e');
        changed.sha256.iterations = 8192;
        auto set = authreg.set_credentials(changed);
        require_ok(set);
        CHECK(*set);
        auto got_changed = authreg.get("alice", "example.com");
        require_ok(got_changed);
        REQUIRE(got_changed->has_value());
        CHECK(**got_changed == changed);
        auto other_realm = authreg.get("alice", "example.org");
        require_ok(other_realm);
        REQUIRE(other_realm->has_value());
        CHECK((*other_realm)->sha1 == credential(sasl::Hash::kSha1, 'c'));

        auto set_missing = authreg.set_credentials(account("carol", "example.com"));
        require_ok(set_missing);
        CHECK_FALSE(*set_missing);
        auto carol = authreg.get("carol", "example.com");
        require_ok(carol);
        CHECK_FALSE(carol->has_value());

        auto names = authreg.list("example.com");
        require_ok(names);
        CHECK(*names == std::vector<std::string>{"alice", "bob"});
        auto org = authreg.list("example.org");
        require_ok(org);
        CHECK(*org == std::vector<std::string>{"alice"});
        auto none = authreg.list("example.net");
        require_ok(none);
        CHECK(none->empty());

        // The creation time is stamped by the store.
        auto stamped = backend.sql(
            R"(SELECT "created" FROM "authreg" WHERE "username" = 'alice' AND "realm" = $1)",
            {"example.com"});
        REQUIRE(stamped.size() == 1);
        CHECK(std::stoll(stamped[0][0].value()) > 1'600'000'000);
    });
}

TEST_CASE("contract: authreg refuses malformed records", "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& authreg = d->authreg();

        std::vector<AuthRecord> bad;
        bad.push_back(account("", "example.com"));
        bad.push_back(account("alice", ""));
        AuthRecord r = account("alice", "example.com");
        r.sha1.iterations = -1;
        bad.push_back(r);
        r = account("alice", "example.com");
        r.sha256.iterations = static_cast<int>(kMaxScramIterations) + 1;
        bad.push_back(r);
        r = account("alice", "example.com");
        r.sha1.salt = "not base64!";
        bad.push_back(r);
        r = account("alice", "example.com");
        r.sha256.stored_key = std::string(40, 'a');  // a SHA-1 length for SHA-256
        bad.push_back(r);
        r = account("alice", "example.com");
        r.sha1.server_key = std::string(40, 'g');
        bad.push_back(r);
        r = account("alice", "example.com");
        r.sha1 = ScramCredential{0, "c2FsdA==", "", ""};  // keys without iterations
        bad.push_back(r);

        for (const auto& record : bad) {
            auto created = authreg.create(record);
            CHECK_FALSE(created.ok());
            auto set = authreg.set_credentials(record);
            CHECK_FALSE(set.ok());
        }
        CHECK(backend.sql(R"(SELECT COUNT(*) FROM "authreg")").at(0).at(0) == "0");
    });
}

TEST_CASE("contract: roster put, get, items and remove round-trip everything",
          "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& roster = d->roster();
        const std::string owner = "alice@example.com";

        auto empty = roster.items(owner);
        require_ok(empty);
        CHECK(empty->empty());

        RosterItem bob = contact("bob@example.com");
        bob.name = "Bob";
        bob.to = true;
        bob.from = true;
        bob.groups = {"Friends", "Work"};

        RosterItem carol = contact("carol@example.org");
        carol.ask = RosterItem::Ask::kSubscribe;
        carol.approved = true;

        RosterItem dave = contact("dave@example.net");
        dave.hidden = true;
        dave.pending_in = "<presence from='dave@example.net' type='subscribe'/>";

        for (const auto& item : {bob, carol, dave}) require_ok(roster.put(owner, item));
        // Another user's roster is separate.
        require_ok(roster.put("zed@example.com", contact("bob@example.com")));

        auto items = roster.items(owner);
        require_ok(items);
        CHECK(*items == std::vector<RosterItem>{bob, carol, dave});  // ordered by jid

        auto got = roster.get(owner, "dave@example.net");
        require_ok(got);
        REQUIRE(got->has_value());
        CHECK(**got == dave);
        auto missing = roster.get(owner, "nobody@example.com");
        require_ok(missing);
        CHECK_FALSE(missing->has_value());

        // Each flag alone, so that no two columns can be swapped unnoticed.
        RosterItem flags = contact("flags@example.com");
        for (int bit = 0; bit < 6; ++bit) {
            flags.to = bit == 0;
            flags.from = bit == 1;
            flags.ask = bit == 2 ? RosterItem::Ask::kSubscribe : RosterItem::Ask::kNone;
            flags.approved = bit == 3;
            flags.hidden = bit == 4;
            flags.pending_in = bit == 5 ? "<presence type='subscribe'/>" : "";
            require_ok(roster.put(owner, flags));
            auto back = roster.get(owner, flags.jid);
            require_ok(back);
            REQUIRE(back->has_value());
            CHECK(**back == flags);
        }

        // Replacing an item replaces its groups, and clears what is cleared.
        RosterItem bob2 = bob;
        bob2.name.clear();
        bob2.from = false;
        bob2.groups = {"Family"};
        require_ok(roster.put(owner, bob2));
        auto bob_back = roster.get(owner, bob.jid);
        require_ok(bob_back);
        REQUIRE(bob_back->has_value());
        CHECK(**bob_back == bob2);
        CHECK(backend.sql(R"(SELECT "group" FROM "roster-groups")"
                          R"( WHERE "collection-owner" = $1 AND "jid" = $2)",
                          {owner, bob.jid}) == std::vector<Row>{{"Family"}});

        // Groups come back sorted; a repeated name is stored once.
        RosterItem eve = contact("eve@example.com");
        eve.groups = {"b", "a", "b"};
        require_ok(roster.put(owner, eve));
        auto eve_back = roster.get(owner, eve.jid);
        require_ok(eve_back);
        REQUIRE(eve_back->has_value());
        CHECK((*eve_back)->groups == std::vector<std::string>{"a", "b"});

        auto removed = roster.remove(owner, bob.jid);
        require_ok(removed);
        CHECK(*removed);
        auto removed_again = roster.remove(owner, bob.jid);
        require_ok(removed_again);
        CHECK_FALSE(*removed_again);
        auto gone = roster.get(owner, bob.jid);
        require_ok(gone);
        CHECK_FALSE(gone->has_value());
        // Its groups went with it; the other owner's bob stayed.
        CHECK(rows_in(backend, "roster-groups", owner) == 2);  // eve's a, b
        auto zed = roster.get("zed@example.com", "bob@example.com");
        require_ok(zed);
        CHECK(zed->has_value());

        // Invalid input is refused before it reaches the database.
        CHECK_FALSE(roster.put("", contact("x@example.com")).ok());
        CHECK_FALSE(roster.put(owner, contact("")).ok());
        RosterItem blank_group = contact("x@example.com");
        blank_group.groups = {""};
        CHECK_FALSE(roster.put(owner, blank_group).ok());
    });
}

TEST_CASE("contract: roster put replaces an item and its groups atomically",
          "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& roster = d->roster();
        const std::string owner = "alice@example.com";

        RosterItem bob = contact("bob@example.com");
        bob.name = "Bob";
        bob.groups = {"Friends", "Work"};
        require_ok(roster.put(owner, bob));

        // The database fails the put half-way (item written, old groups
        // deleted, one new group inserted): nothing of it may remain.
        backend.refuse_group();
        RosterItem changed = bob;
        changed.name = "Robert";
        changed.to = true;
        changed.groups = {"Aardvarks", std::string(kRefusedGroup)};
        CHECK_FALSE(roster.put(owner, changed).ok());

        auto back = roster.get(owner, bob.jid);
        require_ok(back);
        REQUIRE(back->has_value());
        CHECK(**back == bob);

        // A failed put of a new item leaves no item behind either.
        RosterItem carol = contact("carol@example.com");
        carol.groups = {std::string(kRefusedGroup)};
        CHECK_FALSE(roster.put(owner, carol).ok());
        auto no_carol = roster.get(owner, carol.jid);
        require_ok(no_carol);
        CHECK_FALSE(no_carol->has_value());

        // The connection is still usable afterwards.
        CHECK(d->healthy());
        changed.groups = {"Aardvarks"};
        require_ok(roster.put(owner, changed));
        auto after = roster.get(owner, bob.jid);
        require_ok(after);
        REQUIRE(after->has_value());
        CHECK(**after == changed);
    });
}

TEST_CASE("contract: queue keeps order, counts, and removes up to a sequence",
          "[storage][contract]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        auto& queue = d->queue();
        const std::string alice = "alice@example.com";
        const std::string bob = "bob@example.com";

        auto zero = queue.count(alice);
        require_ok(zero);
        CHECK(*zero == 0);

        std::vector<QueuedStanza> pushed;
        for (int i = 0; i < 5; ++i) {
            std::string xml =
                "<message to='alice@example.com'><body>" + std::to_string(i) + "</body></message>";
            auto seq = queue.push(alice, xml);
            require_ok(seq);
            if (!pushed.empty()) CHECK(*seq > pushed.back().seq);
            pushed.push_back({*seq, xml});
            require_ok(queue.push(bob, "<message to='bob@example.com'/>"));
        }

        auto items = queue.items(alice);
        require_ok(items);
        CHECK(*items == pushed);
        auto count = queue.count(alice);
        require_ok(count);
        CHECK(*count == 5);

        require_ok(queue.remove_upto(alice, pushed[2].seq));
        auto rest = queue.items(alice);
        require_ok(rest);
        CHECK(*rest == std::vector<QueuedStanza>{pushed[3], pushed[4]});
        auto bob_count = queue.count(bob);
        require_ok(bob_count);
        CHECK(*bob_count == 5);  // another owner's stanzas are not touched

        // A sequence number is never handed out again, even once the newest
        // row is gone: a stale "delivered up to" cannot hit a new stanza.
        require_ok(queue.remove_upto(alice, pushed[4].seq));
        require_ok(queue.remove_upto(bob, INT64_MAX));
        auto next = queue.push(alice, "<message/>");
        require_ok(next);
        CHECK(*next > pushed[4].seq);
        auto left = queue.count(alice);
        require_ok(left);
        CHECK(*left == 1);
        auto bob_left = queue.count(bob);
        require_ok(bob_left);
        CHECK(*bob_left == 0);

        CHECK_FALSE(queue.push("", "<message/>").ok());
        CHECK_FALSE(queue.push(alice, "").ok());
    });
}
