// The `logout` store: when each user's last session ended,
// and its last status text (XEP-0012).
#include "rows.hpp"
#include "stores/stores.hpp"

namespace jng::storage::stores {
namespace {

constexpr std::string_view kLastTable = "logout";

}  // namespace

Result<std::optional<LastLogout>> Last::get(std::string_view owner) {
    auto rows =
        db_.query(R"(SELECT "time", "status" FROM "logout" WHERE "collection-owner" = $1)", owner);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<LastLogout>();
    auto row = (*rows)[0];
    auto time = row.integer(0);
    if (!time) return time.error();
    if (auto s = check_time("\"time\"", *time); !s) return corrupt(kLastTable, s.message());
    auto status = row.text(1);
    if (!status) return status.error();
    return std::optional<LastLogout>(LastLogout{*time, std::move(*status)});
}

Status Last::set(std::string_view owner, const LastLogout& logout) {
    if (auto s = check_key("collection owner", owner); !s) return s;
    if (auto s = check_time("logout time", logout.time); !s) return s;
    auto rows =
        db_.query(R"(INSERT INTO "logout" ("collection-owner", "time", "status"))"
                  R"( VALUES ($1, $2, $3) ON CONFLICT ("collection-owner"))"
                  R"( DO UPDATE SET "time" = excluded."time", "status" = excluded."status")",
                  owner, logout.time, logout.status);
    if (!rows) return rows.error();
    return {};
}

}  // namespace jng::storage::stores
