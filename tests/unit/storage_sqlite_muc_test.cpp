// What is specific to the SQLite driver's muc store: every statement it runs
// uses an index, and a value of the wrong type in a row is an error.
#include <catch.hpp>

#include "storage_backends.hpp"

using namespace jng;
using namespace jng::storage;
using namespace jng::storage::test;

namespace {

MucRoom lobby() {
    MucRoom r;
    r.name = "lobby";
    r.config = "<x xmlns='jabber:x:data' type='submit'/>";
    r.created = 1;
    r.affiliations = {{"alice@example.com", MucAffiliation::Kind::kOwner, ""}};
    return r;
}

}  // namespace

TEST_CASE("sqlite: every statement of the muc store uses an index", "[storage][sqlite][muc]") {
    SqliteBackend backend;
    auto d = connect(*backend.factory());
    MucStore& muc = muc_of(*d);
    require_ok(muc.put_room("conference.example.com", lobby()));
    require_ok(muc.rooms("conference.example.com"));
    require_ok(muc.remove_room("conference.example.com", "lobby"));

    int checked = 0;
    for (const auto& sql : as_sqlite(*d).connection().cached_sql()) {
        if (sql.find("muc-") == std::string::npos) continue;
        if (sql.rfind("INSERT", 0) == 0 && sql.find("SELECT") == std::string::npos) continue;
        INFO(sql);
        auto plan = backend.sql("EXPLAIN QUERY PLAN " + sql);
        REQUIRE_FALSE(plan.empty());
        for (const auto& row : plan) {
            const std::string detail = row.back().value_or("");
            INFO(detail);
            CHECK(detail.rfind("SCAN", 0) != 0);
            CHECK(detail.find("TEMP B-TREE") == std::string::npos);
        }
        ++checked;
    }
    // The two reads, the affiliations' delete and the room's delete.
    CHECK(checked >= 4);
}

TEST_CASE("sqlite: values of the wrong type in muc rows are errors", "[storage][sqlite][muc]") {
    SqliteBackend backend;
    auto d = connect(*backend.factory());
    MucStore& muc = muc_of(*d);
    require_ok(muc.put_room("conference.example.com", lobby()));
    backend.sql("UPDATE \"muc-rooms\" SET \"created\" = 'yesterday'");
    CHECK_FALSE(muc.rooms("conference.example.com").ok());
    backend.sql("UPDATE \"muc-rooms\" SET \"created\" = 1");
    backend.sql("UPDATE \"muc-affiliations\" SET \"affiliation\" = 7");
    CHECK_FALSE(muc.rooms("conference.example.com").ok());
    backend.sql("UPDATE \"muc-affiliations\" SET \"affiliation\" = 'owner'");
    CHECK(muc.rooms("conference.example.com").ok());
}
