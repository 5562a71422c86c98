// RoomStore against a real SQLite file: whoever waits on a room's write
// hears once it is in the database, a later write of the same room answers
// the earlier waiters too, and a refused write is reported at once while
// the store keeps retrying it.
#include <catch.hpp>

#include "net/loop.hpp"
#include "room_store.hpp"
#include "run_until.hpp"
#include "storage.hpp"
#include "storage_backends.hpp"

using namespace jng;
using namespace jng::storage::test;
using jng::test::run_until;

namespace {

constexpr const char* kService = "conference.example.com";

storage::MucRoom room_named(std::string name, std::string subject = "") {
    storage::MucRoom r;
    r.name = std::move(name);
    r.config = "<x xmlns='jabber:x:data' type='submit'/>";
    r.subject = std::move(subject);
    r.created = 1;
    r.affiliations = {{"alice@example.com", storage::MucAffiliation::Kind::kOwner, ""}};
    return r;
}

struct StoreFixture {
    SqliteBackend backend;
    net::Loop loop;
    Log log{"muc-test", LogLevel::kError};
    storage::Storage storage{loop, log, backend.factory(), 1};
    muc::RoomStore store{loop, log, storage};

    std::vector<Row> subjects() {
        return backend.sql("SELECT \"room\", \"subject\" FROM \"muc-rooms\" ORDER BY \"room\"");
    }
};

}  // namespace

TEST_CASE("muc room store: a waiter hears once the room is in the database", "[muc][store]") {
    StoreFixture f;
    std::vector<Row> seen;
    int answers = 0;
    f.store.save(kService, room_named("lobby", "hello"), [&](const Status& s) {
        CHECK(s.ok());
        seen = f.subjects();  // read when told: the row must be there already
        ++answers;
    });
    run_until(f.loop, [&] { return answers > 0 && f.store.pending() == 0; });
    CHECK(answers == 1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == Row{"lobby", "hello"});
}

TEST_CASE("muc room store: a later write of the room answers the earlier waiters",
          "[muc][store]") {
    StoreFixture f;
    std::vector<std::string> order;
    f.store.save(kService, room_named("lobby", "one"), [&](const Status& s) {
        CHECK(s.ok());
        order.push_back("one");
    });
    f.store.save(kService, room_named("lobby", "two"), [&](const Status& s) {
        CHECK(s.ok());
        order.push_back("two");
    });
    run_until(f.loop, [&] { return order.size() == 2 && f.store.pending() == 0; });
    CHECK(order == std::vector<std::string>{"one", "two"});
    CHECK(f.subjects() == std::vector<Row>{{"lobby", "two"}});

    bool removed = false;
    f.store.remove(kService, "lobby", [&](const Status& s) {
        CHECK(s.ok());
        removed = f.subjects().empty();
    });
    run_until(f.loop, [&] { return f.store.pending() == 0; });
    CHECK(removed);
}

TEST_CASE("muc room store: a refused write is reported and retried", "[muc][store]") {
    StoreFixture f;
    connect(*f.backend.factory());  // the file and its schema, for the trigger
    f.backend.refuse_insert("muc-rooms", "subject");
    std::vector<Status> answers;
    f.store.save(kService, room_named("lobby", std::string(kRefused)),
                 [&](const Status& s) { answers.push_back(s); });
    run_until(f.loop, [&] { return !answers.empty(); });
    REQUIRE(answers.size() == 1);
    CHECK_FALSE(answers[0].ok());
    CHECK(f.store.pending() == 1);  // still to be written
    CHECK(f.subjects().empty());

    // The database takes it once the cause is gone; nobody is told twice.
    f.backend.sql("DROP TRIGGER \"test-refuse-muc-rooms-subject\"");
    run_until(f.loop, [&] { return f.store.pending() == 0; });
    CHECK(answers.size() == 1);
    CHECK(f.subjects() == std::vector<Row>{{"lobby", std::string(kRefused)}});
}
