// The storage contract for the muc daemon's collections: persistent rooms
// and their affiliations, kept per MUC service. Run against every backend in
// storage_backends.hpp, like storage_contract_test.cpp.
#include <algorithm>
#include <catch.hpp>
#include <set>

#include "muc_rows.hpp"
#include "rows.hpp"
#include "schema.hpp"
#include "storage_contract_util.hpp"

using namespace jng;
using namespace jng::storage;
using namespace jng::storage::test;

namespace {

using Kind = MucAffiliation::Kind;

constexpr std::string_view kService = "conference.example.com";
const std::string kForm = "<x xmlns='jabber:x:data' type='submit'/>";

MucRoom room(std::string name, std::vector<MucAffiliation> affiliations = {}) {
    MucRoom r;
    r.name = std::move(name);
    r.config = kForm;
    r.created = 1'700'000'000;
    r.affiliations = std::move(affiliations);
    return r;
}

std::vector<MucRoom> rooms_of(MucStore& muc, std::string_view service) {
    auto rooms = muc.rooms(service);
    INFO((rooms.ok() ? std::string() : rooms.message()));
    REQUIRE(rooms.ok());
    return *rooms;
}

}  // namespace

TEST_CASE("contract: muc rooms round-trip with their affiliations, per service",
          "[storage][contract][muc]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        MucStore& muc = muc_of(*d);
        CHECK(rooms_of(muc, kService).empty());

        MucRoom lobby = room("lobby", {{"alice@example.com", Kind::kOwner, ""},
                                       {"bob@example.com", Kind::kAdmin, "helps out"},
                                       {"carol@example.org", Kind::kMember, ""},
                                       {"spam.example", Kind::kOutcast, "the whole domain"},
                                       {"mallory@example.net", Kind::kOutcast, "spam"}});
        lobby.subject = "Welcome";
        lobby.subject_nick = "alice";
        MucRoom attic = room("attic", {{"bob@example.com", Kind::kOwner, ""}});
        require_ok(muc.put_room(kService, lobby));
        require_ok(muc.put_room(kService, attic));
        require_ok(muc.put_room("chat.example.org", room("lobby")));

        // Rooms by name, affiliations by jid.
        MucRoom sorted = lobby;
        std::sort(sorted.affiliations.begin(), sorted.affiliations.end(),
                  [](const auto& a, const auto& b) { return a.jid < b.jid; });
        CHECK(rooms_of(muc, kService) == std::vector<MucRoom>{attic, sorted});

        // A room put again is replaced whole: fewer affiliations, new subject.
        MucRoom changed = room("lobby", {{"bob@example.com", Kind::kOwner, ""}});
        changed.config = "<x xmlns='jabber:x:data' type='submit'><field var='a'/></x>";
        require_ok(muc.put_room(kService, changed));
        CHECK(rooms_of(muc, kService) == std::vector<MucRoom>{attic, changed});

        auto removed = muc.remove_room(kService, "lobby");
        require_ok(removed);
        CHECK(*removed);
        auto again = muc.remove_room(kService, "lobby");
        require_ok(again);
        CHECK_FALSE(*again);
        CHECK(rooms_of(muc, kService) == std::vector<MucRoom>{attic});
        // Another service's room of the same name is its own.
        CHECK(rooms_of(muc, "chat.example.org") == std::vector<MucRoom>{room("lobby")});
        // The removed room's affiliations went with it.
        CHECK(count(backend, "muc-affiliations") == 1);
        CHECK(count(backend, "muc-rooms") == 2);
    });
}

TEST_CASE("contract: muc put_room refuses malformed rooms", "[storage][contract][muc]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        MucStore& muc = muc_of(*d);
        const MucAffiliation owner{"alice@example.com", Kind::kOwner, ""};

        CHECK_FALSE(muc.put_room("", room("lobby")).ok());
        CHECK_FALSE(muc.put_room("alice@example.com", room("lobby")).ok());
        CHECK_FALSE(muc.put_room(kService, room("")).ok());
        CHECK_FALSE(muc.put_room(kService, room("a@b")).ok());
        CHECK_FALSE(muc.put_room(kService, room("a/b")).ok());
        MucRoom no_config = room("lobby");
        no_config.config.clear();
        CHECK_FALSE(muc.put_room(kService, no_config).ok());
        MucRoom huge = room("lobby");
        huge.config.assign(kMaxDocumentBytes + 1, 'x');
        CHECK_FALSE(muc.put_room(kService, huge).ok());
        MucRoom before_epoch = room("lobby");
        before_epoch.created = -1;
        CHECK_FALSE(muc.put_room(kService, before_epoch).ok());
        CHECK_FALSE(muc.put_room(kService, room("lobby", {{"", Kind::kMember, ""}})).ok());
        CHECK_FALSE(
            muc.put_room(kService, room("lobby", {{"alice@example.com/phone", Kind::kMember, ""}}))
                .ok());
        CHECK_FALSE(muc.put_room(kService, room("lobby", {owner, owner})).ok());
        CHECK(count(backend, "muc-rooms") == 0);
        CHECK(count(backend, "muc-affiliations") == 0);
    });
}

TEST_CASE("contract: muc put_room replaces a room atomically", "[storage][contract][muc]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        MucStore& muc = muc_of(*d);
        const MucRoom first = room("lobby", {{"alice@example.com", Kind::kOwner, ""},
                                             {"bob@example.com", Kind::kMember, ""}});
        require_ok(muc.put_room(kService, first));

        // The database fails half-way: the room row is written and the old
        // affiliations deleted when an insert fails. Nothing of it may stay.
        backend.refuse_insert("muc-affiliations", "jid");
        MucRoom second = room("lobby", {{"carol@example.com", Kind::kOwner, ""},
                                        {std::string(kRefused), Kind::kMember, ""}});
        second.subject = "changed";
        CHECK_FALSE(muc.put_room(kService, second).ok());
        CHECK(rooms_of(muc, kService) == std::vector<MucRoom>{first});

        // A new room that fails leaves no row at all.
        MucRoom third = room("attic", {{std::string(kRefused), Kind::kOwner, ""}});
        CHECK_FALSE(muc.put_room(kService, third).ok());
        CHECK(rooms_of(muc, kService) == std::vector<MucRoom>{first});
    });
}

TEST_CASE("contract: hostile strings in muc rooms are stored verbatim", "[storage][contract][muc]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        MucStore& muc = muc_of(*d);
        const std::vector<std::string> hostile = {
            "o'neil",
            "'; DROP TABLE \"muc-rooms\"; --",
            "\"quoted\" and \\backslash\\ and $1 and ? and %s and :name",
            "% and _ and *",
            "Zoë 😀 日本語 \u202e\u200b",
            "line\nbreak\ttab\r",
            "<x xmlns='jabber:x:data'><field var='&amp;&lt;&#0;]]>'/></x>",
            std::string(10000, 'x'),
        };
        for (size_t i = 0; i < hostile.size(); ++i) {
            const std::string& s = hostile[i];
            INFO("string " << i);
            std::string name = s;
            std::replace(name.begin(), name.end(), '@', '.');
            std::replace(name.begin(), name.end(), '/', '.');
            MucRoom r = room(name, {{name, Kind::kOutcast, s}});
            r.config = s;
            r.subject = s;
            r.subject_nick = s;
            require_ok(muc.put_room(kService, r));
            const auto rooms = rooms_of(muc, kService);
            REQUIRE(rooms.size() == 1);
            CHECK(rooms.front() == r);
            auto removed = muc.remove_room(kService, name);
            require_ok(removed);
            CHECK(*removed);
        }
        CHECK(count(backend, "muc-rooms") == 0);
        CHECK(count(backend, "muc-affiliations") == 0);
    });
}

TEST_CASE("contract: corrupt muc rows are errors, not crashes", "[storage][contract][muc]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        MucStore& muc = muc_of(*d);
        require_ok(muc.put_room(kService, room("lobby", {{"alice@example.com", Kind::kOwner, ""}})));

        struct Damage {
            std::string table, column, bad, good;
        };
        const std::vector<Damage> damages = {
            {"muc-rooms", "config", "", kForm},
            {"muc-rooms", "config", std::string(kMaxDocumentBytes + 1, 'x'), kForm},
            {"muc-rooms", "created", "-1", "1700000000"},
            {"muc-affiliations", "affiliation", "king", "owner"},
            {"muc-affiliations", "affiliation", "", "owner"},
            {"muc-affiliations", "affiliation", "none", "owner"},
            {"muc-affiliations", "jid", "", "alice@example.com"},
            {"muc-affiliations", "jid", "alice@example.com/phone", "alice@example.com"},
        };
        for (const auto& damage : damages) {
            INFO(damage.table << "." << damage.column << " = '" << damage.bad.substr(0, 20) << "'");
            const std::string update = "UPDATE \"" + damage.table + "\" SET \"" + damage.column +
                                       "\" = $1 WHERE \"collection-owner\" = $2";
            backend.sql(update, {damage.bad, std::string(kService)});
            auto rooms = muc.rooms(kService);
            CHECK_FALSE(rooms.ok());
            if (!rooms.ok()) CHECK(rooms.message().find("corrupt") != std::string::npos);
            backend.sql(update, {damage.good, std::string(kService)});
            CHECK(muc.rooms(kService).ok());
        }
    });
}

TEST_CASE("contract: account removal leaves the muc's rooms and affiliations alone",
          "[storage][contract][muc]") {
    for_each_backend([](Backend& backend) {
        auto d = connect(*backend.factory());
        MucStore& muc = muc_of(*d);
        require_ok(d->authreg().create(account("alice", "example.com")));
        const MucRoom lobby = room("lobby", {{"alice@example.com", Kind::kOwner, ""},
                                             {"mallory@example.com", Kind::kOutcast, "spam"}});
        require_ok(muc.put_room(kService, lobby));
        // The service's rows are keyed by the service's domain, never by an
        // account; remove_user must not reach them.
        const std::set<std::string> domain_keyed(kDomainKeyedTables.begin(),
                                                 kDomainKeyedTables.end());
        CHECK(domain_keyed.count("muc-rooms") == 1);
        CHECK(domain_keyed.count("muc-affiliations") == 1);

        require_ok(d->remove_user("alice", "example.com"));
        require_ok(d->remove_user("mallory", "example.com"));
        CHECK(rooms_of(muc, kService) == std::vector<MucRoom>{lobby});
    });
}
