// The pieces both drivers share: the embedded migrations, placeholder
// substitution, and the checks on values written and read.
#include <catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rows.hpp"
#include "schema.hpp"

using namespace jng;
using namespace jng::storage;

TEST_CASE("schema: the migrations are embedded byte for byte, in order", "[storage][schema]") {
    auto all = migrations();
    REQUIRE_FALSE(all.empty());
    CHECK(latest_version() == all.back().version);

    size_t on_disk = 0;
    for (const auto& entry : std::filesystem::directory_iterator(JNG_STORAGE_MIGRATIONS_DIR))
        if (entry.path().extension() == ".sql") ++on_disk;
    CHECK(on_disk == all.size());

    for (size_t i = 0; i < all.size(); ++i) {
        const Migration& m = all[i];
        INFO("migration " << m.version << " " << m.name);
        CHECK(m.version == static_cast<int>(i + 1));
        char prefix[8];
        std::snprintf(prefix, sizeof prefix, "%03d_", m.version);
        auto path = std::filesystem::path(JNG_STORAGE_MIGRATIONS_DIR) /
                    (prefix + std::string(m.name) + ".sql");
        std::ifstream in(path, std::ios::binary);
        REQUIRE(in.good());
        std::stringstream content;
        content << in.rdbuf();
        CHECK(m.sql == content.str());
    }
}

TEST_CASE("schema: placeholders are substituted per dialect", "[storage][schema]") {
    const Placeholder dialect[] = {{"SERIAL", "BIGSERIAL PRIMARY KEY"}, {"NOW", "now()"}};
    auto sql = render("CREATE TABLE t (id @SERIAL@, at @NOW@, other @SERIAL@)", dialect);
    REQUIRE(sql.ok());
    CHECK(*sql ==
          "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, at now(), other BIGSERIAL PRIMARY KEY)");

    // A lone '@', or one around lowercase text, is plain text.
    auto text = render("-- mail admin@example.com, @lower@, @ @", dialect);
    REQUIRE(text.ok());
    CHECK(*text == "-- mail admin@example.com, @lower@, @ @");
    auto trailing = render("x @SERIAL", dialect);
    REQUIRE(trailing.ok());
    CHECK(*trailing == "x @SERIAL");

    auto unknown = render("CREATE TABLE t (id @AUTOINC@)", dialect);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.message().find("@AUTOINC@") != std::string::npos);

    // Every placeholder the real migrations use is one both dialects define.
    const Placeholder known[] = {{"SERIAL", "x"}};
    for (const auto& m : migrations()) {
        INFO(m.name);
        CHECK(render(m.sql, known).ok());
    }
}

TEST_CASE("schema: the owner of an account's rows is its bare JID", "[storage][schema]") {
    CHECK(owner_of("alice", "example.com") == "alice@example.com");
}

TEST_CASE("rows: SCRAM credentials are checked", "[storage][rows]") {
    using sasl::Hash;
    ScramCredential sha1{4096, "c2FsdA==", std::string(40, 'a'), std::string(40, 'B')};
    ScramCredential sha256{4096, "c2FsdHNhbHQ=", std::string(64, '0'), std::string(64, 'f')};
    CHECK(check_credential(Hash::kSha1, sha1).ok());
    CHECK(check_credential(Hash::kSha256, sha256).ok());
    CHECK(check_credential(Hash::kSha1, ScramCredential{}).ok());  // none for this hash

    auto with = [](ScramCredential c, auto change) {
        change(c);
        return c;
    };
    CHECK(check_credential(Hash::kSha1, with(sha1, [](auto& c) { c.iterations = 1; })).ok());
    CHECK(check_credential(
              Hash::kSha1,
              with(sha1, [](auto& c) { c.iterations = static_cast<int>(kMaxScramIterations); }))
              .ok());
    CHECK_FALSE(
        check_credential(
            Hash::kSha1,
            with(sha1, [](auto& c) { c.iterations = static_cast<int>(kMaxScramIterations) + 1; }))
            .ok());
    CHECK_FALSE(
        check_credential(Hash::kSha1, with(sha1, [](auto& c) { c.iterations = -4096; })).ok());
    CHECK_FALSE(check_credential(Hash::kSha1, with(sha1, [](auto& c) { c.salt = ""; })).ok());
    CHECK_FALSE(check_credential(Hash::kSha1, with(sha1, [](auto& c) { c.salt = "c2FsdA"; })).ok());
    CHECK_FALSE(
        check_credential(Hash::kSha1, with(sha1, [](auto& c) { c.salt = "c2=sdA=="; })).ok());
    CHECK_FALSE(
        check_credential(Hash::kSha1, with(sha1, [](auto& c) { c.salt = "c2Fs===="; })).ok());
    CHECK_FALSE(
        check_credential(Hash::kSha1, with(sha1, [](auto& c) { c.salt = "c2F\"dA=="; })).ok());
    CHECK_FALSE(check_credential(Hash::kSha256, sha1).ok());  // key lengths are SHA-1's
    CHECK_FALSE(check_credential(Hash::kSha1, sha256).ok());
    CHECK_FALSE(
        check_credential(Hash::kSha1, with(sha1, [](auto& c) { c.server_key[3] = 'x'; })).ok());
    CHECK_FALSE(
        check_credential(Hash::kSha1, ScramCredential{0, "", "", std::string(40, 'a')}).ok());
}

TEST_CASE("rows: column values read back are checked", "[storage][rows]") {
    CHECK(*flag_from_column("to", 0) == false);
    CHECK(*flag_from_column("to", 1) == true);
    CHECK_FALSE(flag_from_column("to", 2).ok());
    CHECK_FALSE(flag_from_column("to", -1).ok());
    CHECK(flag_from_column("hidden", 7).message().find("hidden") != std::string::npos);

    CHECK(*ask_from_column(0) == RosterItem::Ask::kNone);
    CHECK(*ask_from_column(1) == RosterItem::Ask::kSubscribe);
    CHECK_FALSE(ask_from_column(2).ok());
    CHECK(ask_to_column(RosterItem::Ask::kSubscribe) == 1);
    CHECK(ask_to_column(RosterItem::Ask::kNone) == 0);

    CHECK(*iterations_from_column("i", 0) == 0);
    CHECK(*iterations_from_column("i", kMaxScramIterations) == kMaxScramIterations);
    CHECK_FALSE(iterations_from_column("i", kMaxScramIterations + 1).ok());
    CHECK_FALSE(iterations_from_column("i", int64_t{1} << 40).ok());
    CHECK_FALSE(iterations_from_column("i", -1).ok());

    CHECK(corrupt("queue", "empty \"xml\"").message == "corrupt row in \"queue\": empty \"xml\"");
}
