// The `active` store: when each user was first active. The
// first time recorded stays.
#include "rows.hpp"
#include "stores/stores.hpp"

namespace jng::storage::stores {
namespace {

constexpr std::string_view kActiveTable = "active";

}  // namespace

Result<std::optional<int64_t>> Active::get(std::string_view owner) {
    auto rows = db_.query(R"(SELECT "time" FROM "active" WHERE "collection-owner" = $1)", owner);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<int64_t>();
    auto time = (*rows)[0].integer(0);
    if (!time) return time.error();
    if (auto s = check_time("\"time\"", *time); !s) return corrupt(kActiveTable, s.message());
    return std::optional<int64_t>(*time);
}

Result<bool> Active::set_if_absent(std::string_view owner, int64_t time) {
    if (auto s = check_key("collection owner", owner); !s) return s.error();
    if (auto s = check_time("first activity time", time); !s) return s.error();
    // DO NOTHING on the key: concurrent first logins on two sm agree on one row.
    auto rows = db_.query(R"(INSERT INTO "active" ("collection-owner", "time") VALUES ($1, $2))"
                          R"( ON CONFLICT ("collection-owner") DO NOTHING)",
                          owner, time);
    if (!rows) return rows.error();
    return rows->affected() == 1;
}

}  // namespace jng::storage::stores
