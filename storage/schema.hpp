// The schema both drivers share: the migrations embedded from
// storage/migrations/, their per-dialect placeholders, and the owner-keyed tables.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "result.hpp"

namespace jng::storage {

// One storage/migrations/NNN_name.sql file.
struct Migration {
    int version;            // NNN: 1, 2, … without gaps
    std::string_view name;  // the file's name part
    std::string_view sql;   // portable SQL, possibly with @PLACEHOLDERS@
};

// Every migration this build knows, by ascending version (generated from the
// .sql files at build time).
std::span<const Migration> migrations();

// The newest version this build knows; 0 when it knows none.
int latest_version();

// `@NAME@` → dialect text, for the few places where SQLite and PostgreSQL
// cannot share a spelling.
using Placeholder = std::pair<std::string_view, std::string_view>;

// `sql` with every @NAME@ replaced; an error names any placeholder the
// dialect does not define, so a new one cannot slip through half-substituted.
Result<std::string> render(std::string_view sql, std::span<const Placeholder> placeholders);

// The version table: one row per applied migration. Created by the driver
// before the first migration, since migrations are counted in it.
inline constexpr std::string_view kSchemaTable = "jng-schema";
inline constexpr std::string_view kCreateSchemaTable =
    R"(CREATE TABLE IF NOT EXISTS "jng-schema" ()"
    R"("version" INTEGER PRIMARY KEY, "name" TEXT NOT NULL, "applied" BIGINT NOT NULL))";

// Every table with rows owned by a user, keyed by "collection-owner" (the bare
// JID username@realm). Deleting an account walks this list; a test checks the
// database has no owner-keyed table missing from it. Children before parents.
// clang-format off
inline constexpr std::array<std::string_view, 11> kOwnerKeyedTables = {
    "roster-groups",
    "roster-items",
    "queue",
    "privacy-default",
    "privacy-items",
    "vcard",
    "private",
    "logout",
    "active",
    "motd-times",
    "vacation-settings",
};
// clang-format on

// The tables whose "collection-owner" (jabberd2's name, kept for its
// importer) holds a domain, not a user: their rows belong to the domain and
// outlive every account, so deleting an account leaves them alone. The same
// test checks that each table with the column is in exactly one of the lists.
inline constexpr std::array<std::string_view, 4> kDomainKeyedTables = {
    "motd-message",
    "disco-items",
    // A MUC service's rooms: "collection-owner" holds the service's domain.
    "muc-affiliations",
    "muc-rooms",
};

// The collection-owner value of an account.
std::string owner_of(std::string_view username, std::string_view realm);

}  // namespace jng::storage
