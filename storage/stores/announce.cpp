// The announcement store: each domain's message of the day
// (`motd-message`, keyed by the domain) and when each user last got one
// (`motd-times`, keyed by the user).
#include "rows.hpp"
#include "stores/stores.hpp"

namespace jng::storage::stores {
namespace {

constexpr std::string_view kMessage = "motd-message";
constexpr std::string_view kTimes = "motd-times";

}  // namespace

Result<std::optional<Motd>> Announce::motd(std::string_view domain) {
    auto rows = db_.query(
        R"(SELECT "xml", "time" FROM "motd-message" WHERE "collection-owner" = $1)", domain);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<Motd>();
    auto row = (*rows)[0];
    auto xml = row.text(0);
    if (!xml) return xml.error();
    if (auto s = check_document("\"xml\"", *xml); !s) return corrupt(kMessage, s.message());
    auto time = row.integer(1);
    if (!time) return time.error();
    if (auto s = check_time("\"time\"", *time); !s) return corrupt(kMessage, s.message());
    return std::optional<Motd>(Motd{std::move(*xml), *time});
}

Status Announce::set_motd(std::string_view domain, const Motd& motd) {
    if (auto s = check_domain(domain); !s) return s;
    if (auto s = check_document("message of the day", motd.xml); !s) return s;
    if (auto s = check_time("message of the day time", motd.time); !s) return s;
    auto rows = db_.query(R"(INSERT INTO "motd-message" ("collection-owner", "xml", "time"))"
                          R"( VALUES ($1, $2, $3) ON CONFLICT ("collection-owner"))"
                          R"( DO UPDATE SET "xml" = excluded."xml", "time" = excluded."time")",
                          domain, motd.xml, motd.time);
    if (!rows) return rows.error();
    return {};
}

Result<bool> Announce::remove_motd(std::string_view domain) {
    auto rows = db_.query(R"(DELETE FROM "motd-message" WHERE "collection-owner" = $1)", domain);
    if (!rows) return rows.error();
    return rows->affected() > 0;
}

Result<std::optional<int64_t>> Announce::last_seen(std::string_view owner) {
    auto rows =
        db_.query(R"(SELECT "time" FROM "motd-times" WHERE "collection-owner" = $1)", owner);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<int64_t>();
    auto time = (*rows)[0].integer(0);
    if (!time) return time.error();
    if (auto s = check_time("\"time\"", *time); !s) return corrupt(kTimes, s.message());
    return std::optional<int64_t>(*time);
}

Status Announce::set_last_seen(std::string_view owner, int64_t time) {
    if (auto s = check_key("collection owner", owner); !s) return s;
    if (auto s = check_time("message of the day time", time); !s) return s;
    auto rows =
        db_.query(R"(INSERT INTO "motd-times" ("collection-owner", "time") VALUES ($1, $2))"
                  R"( ON CONFLICT ("collection-owner") DO UPDATE SET "time" = excluded."time")",
                  owner, time);
    if (!rows) return rows.error();
    return {};
}

}  // namespace jng::storage::stores
