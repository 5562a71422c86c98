// The `vacation-settings` store: one automatic reply and its
// period per user.
#include "rows.hpp"
#include "stores/stores.hpp"

namespace jng::storage::stores {
namespace {

constexpr std::string_view kVacationTable = "vacation-settings";

}  // namespace

Result<std::optional<Vacation>> VacationSettings::get(std::string_view owner) {
    auto rows = db_.query(R"(SELECT "start", "end", "message" FROM "vacation-settings")"
                          R"( WHERE "collection-owner" = $1)",
                          owner);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<Vacation>();
    auto row = (*rows)[0];
    auto start = row.integer(0);
    if (!start) return start.error();
    auto end = row.integer(1);
    if (!end) return end.error();
    auto message = row.text(2);
    if (!message) return message.error();
    Vacation vacation{*start, *end, std::move(*message)};
    if (auto s = check_vacation(vacation); !s) return corrupt(kVacationTable, s.message());
    return std::optional<Vacation>(std::move(vacation));
}

Status VacationSettings::set(std::string_view owner, const Vacation& vacation) {
    if (auto s = check_key("collection owner", owner); !s) return s;
    if (auto s = check_vacation(vacation); !s) return s;
    auto rows = db_.query(
        R"(INSERT INTO "vacation-settings" ("collection-owner", "start", "end", "message"))"
        R"( VALUES ($1, $2, $3, $4) ON CONFLICT ("collection-owner") DO UPDATE SET)"
        R"( "start" = excluded."start", "end" = excluded."end", "message" = excluded."message")",
        owner, vacation.start, vacation.end, vacation.message);
    if (!rows) return rows.error();
    return {};
}

Result<bool> VacationSettings::remove(std::string_view owner) {
    auto rows =
        db_.query(R"(DELETE FROM "vacation-settings" WHERE "collection-owner" = $1)", owner);
    if (!rows) return rows.error();
    return rows->affected() > 0;
}

}  // namespace jng::storage::stores
