// The `vcard` store: each user's vCard (XEP-0054) as the
// serialized element, one row per user.
#include "rows.hpp"
#include "stores/stores.hpp"

namespace jng::storage::stores {
namespace {

constexpr std::string_view kVcardTable = "vcard";

}  // namespace

Result<std::optional<std::string>> Vcard::get(std::string_view owner) {
    auto rows = db_.query(R"(SELECT "xml" FROM "vcard" WHERE "collection-owner" = $1)", owner);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<std::string>();
    auto xml = (*rows)[0].text(0);
    if (!xml) return xml.error();
    if (auto s = check_document("\"xml\"", *xml); !s) return corrupt(kVcardTable, s.message());
    return std::optional<std::string>(std::move(*xml));
}

Status Vcard::put(std::string_view owner, std::string_view xml) {
    if (auto s = check_key("collection owner", owner); !s) return s;
    if (auto s = check_document("vCard", xml); !s) return s;
    auto rows =
        db_.query(R"(INSERT INTO "vcard" ("collection-owner", "xml") VALUES ($1, $2))"
                  R"( ON CONFLICT ("collection-owner") DO UPDATE SET "xml" = excluded."xml")",
                  owner, xml);
    if (!rows) return rows.error();
    return {};
}

Result<bool> Vcard::remove(std::string_view owner) {
    auto rows = db_.query(R"(DELETE FROM "vcard" WHERE "collection-owner" = $1)", owner);
    if (!rows) return rows.error();
    return rows->affected() > 0;
}

}  // namespace jng::storage::stores
