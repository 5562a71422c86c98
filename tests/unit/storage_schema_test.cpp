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

TEST_CASE("rows: privacy items map to jabberd2's columns and back", "[storage][rows]") {
    using Type = PrivacyItem::Type;
    CHECK(privacy_type_to_column(Type::kNone) == std::nullopt);
    CHECK(privacy_type_to_column(Type::kJid) == std::optional<std::string_view>("jid"));
    CHECK(privacy_type_to_column(Type::kGroup) == std::optional<std::string_view>("group"));
    CHECK(privacy_type_to_column(Type::kSubscription) ==
          std::optional<std::string_view>("subscription"));
    for (Type type : {Type::kNone, Type::kJid, Type::kGroup, Type::kSubscription}) {
        auto column = privacy_type_to_column(type);
        auto back = privacy_type_from_column(column ? std::optional<std::string>(*column)
                                                    : std::optional<std::string>());
        REQUIRE(back.ok());
        CHECK(*back == type);
    }
    CHECK_FALSE(privacy_type_from_column(std::string("")).ok());
    CHECK_FALSE(privacy_type_from_column(std::string("JID")).ok());
    CHECK_FALSE(
        privacy_type_from_column(std::string("j")).ok());  // jabberd2 read only the first letter

    // jabberd2's mod_privacy bits: message 1, presence-in 2, presence-out 4, iq 8.
    PrivacyItem item;
    CHECK(privacy_block_to_column(item) == 0);
    item.message = true;
    CHECK(privacy_block_to_column(item) == 1);
    item = {};
    item.presence_in = true;
    CHECK(privacy_block_to_column(item) == 2);
    item = {};
    item.presence_out = true;
    CHECK(privacy_block_to_column(item) == 4);
    item = {};
    item.iq = true;
    CHECK(privacy_block_to_column(item) == 8);
    for (int64_t bits = 0; bits < 16; ++bits) {
        PrivacyItem read;
        REQUIRE(privacy_block_from_column(bits, read).ok());
        CHECK(privacy_block_to_column(read) == bits);
    }
    PrivacyItem untouched;
    CHECK_FALSE(privacy_block_from_column(16, untouched).ok());
    CHECK_FALSE(privacy_block_from_column(-1, untouched).ok());

    CHECK(*privacy_order_from_column(0) == 0u);
    CHECK(*privacy_order_from_column(4294967295) == 4294967295u);
    CHECK_FALSE(privacy_order_from_column(4294967296).ok());
    CHECK_FALSE(privacy_order_from_column(-1).ok());
}

TEST_CASE("rows: privacy items and lists are checked", "[storage][rows]") {
    using Type = PrivacyItem::Type;
    auto item = [](Type type, std::string value, uint32_t order = 1) {
        PrivacyItem i;
        i.type = type;
        i.value = std::move(value);
        i.order = order;
        return i;
    };
    CHECK(check_privacy_item(item(Type::kNone, "")).ok());
    CHECK_FALSE(check_privacy_item(item(Type::kNone, "x")).ok());
    CHECK(check_privacy_item(item(Type::kJid, "example.com")).ok());
    CHECK_FALSE(check_privacy_item(item(Type::kJid, "")).ok());
    CHECK(check_privacy_item(item(Type::kGroup, "Friends")).ok());
    CHECK_FALSE(check_privacy_item(item(Type::kGroup, "")).ok());
    for (const char* s10n : {"none", "to", "from", "both"})
        CHECK(check_privacy_item(item(Type::kSubscription, s10n)).ok());
    CHECK_FALSE(check_privacy_item(item(Type::kSubscription, "")).ok());
    CHECK_FALSE(check_privacy_item(item(Type::kSubscription, "BOTH")).ok());
    CHECK_FALSE(check_privacy_item(item(static_cast<Type>(4), "x")).ok());

    CHECK(check_privacy_list(PrivacyList{"l", {item(Type::kNone, "", 0)}}).ok());
    CHECK(check_privacy_list(
              PrivacyList{"l", {item(Type::kJid, "a", 2), item(Type::kNone, "", UINT32_MAX)}})
              .ok());
    CHECK_FALSE(check_privacy_list(PrivacyList{"", {item(Type::kNone, "")}}).ok());
    CHECK_FALSE(check_privacy_list(PrivacyList{"l", {}}).ok());
    CHECK_FALSE(
        check_privacy_list(PrivacyList{"l", {item(Type::kJid, "a", 3), item(Type::kNone, "", 3)}})
            .ok());
    CHECK_FALSE(check_privacy_list(PrivacyList{"l", {item(Type::kJid, "", 3)}}).ok());
}

TEST_CASE("rows: documents, domains, times and vacations are checked", "[storage][rows]") {
    CHECK(check_document("vCard", "<vCard/>").ok());
    CHECK(check_document("vCard", std::string(kMaxDocumentBytes, 'x')).ok());
    CHECK_FALSE(check_document("vCard", std::string(kMaxDocumentBytes + 1, 'x')).ok());
    CHECK_FALSE(check_document("vCard", "").ok());
    CHECK(check_document("vCard", "").message() == "vCard is empty");

    CHECK(check_domain("example.com").ok());
    CHECK(check_domain("xn--bcher-kva.example").ok());
    CHECK_FALSE(check_domain("").ok());
    CHECK_FALSE(check_domain("alice@example.com").ok());
    CHECK_FALSE(check_domain("example.com/announce").ok());

    CHECK(check_time("t", 0).ok());
    CHECK(check_time("t", INT64_MAX).ok());
    CHECK_FALSE(check_time("t", -1).ok());

    CHECK(check_vacation(Vacation{0, 0, ""}).ok());
    CHECK(check_vacation(Vacation{5, 0, "open end"}).ok());
    CHECK(check_vacation(Vacation{0, 5, "open start"}).ok());
    CHECK(check_vacation(Vacation{5, 5, "one instant"}).ok());
    CHECK_FALSE(check_vacation(Vacation{6, 5, "backwards"}).ok());
    CHECK_FALSE(check_vacation(Vacation{-1, 0, ""}).ok());
    CHECK_FALSE(check_vacation(Vacation{0, -1, ""}).ok());

    CHECK(check_disco_item(DiscoItem{"news.example.com", "", ""}).ok());
    CHECK_FALSE(check_disco_item(DiscoItem{"", "News", "node"}).ok());
}
