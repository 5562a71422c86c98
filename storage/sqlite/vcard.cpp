// The sqlite driver's `vcard` store: each user's vCard (XEP-0054) as the
// serialized element, one row per user.
#include "rows.hpp"
#include "sqlite/stores.hpp"

namespace jng::storage::sqlite {
namespace {

constexpr std::string_view kTable = "vcard";

}  // namespace

Result<std::optional<std::string>> Vcard::get(std::string_view owner) {
    auto q = db_.query(R"(SELECT "xml" FROM "vcard" WHERE "collection-owner" = $1)", owner);
    if (!q) return q.error();
    auto row = q->next();
    if (!row) return row.error();
    if (!*row) return std::optional<std::string>();
    auto xml = q->text(0);
    if (!xml) return xml.error();
    if (auto s = check_document("\"xml\"", *xml); !s) return corrupt(kTable, s.message());
    return std::optional<std::string>(std::move(*xml));
}

Status Vcard::put(std::string_view owner, std::string_view xml) {
    if (auto s = check_key("collection owner", owner); !s) return s;
    if (auto s = check_document("vCard", xml); !s) return s;
    auto q = db_.query(R"(INSERT INTO "vcard" ("collection-owner", "xml") VALUES ($1, $2))"
                       R"( ON CONFLICT ("collection-owner") DO UPDATE SET "xml" = excluded."xml")",
                       owner, xml);
    if (!q) return q.error();
    return q->run();
}

Result<bool> Vcard::remove(std::string_view owner) {
    auto q = db_.query(R"(DELETE FROM "vcard" WHERE "collection-owner" = $1)", owner);
    if (!q) return q.error();
    if (auto s = q->run(); !s) return s.error();
    return db_.changes() > 0;
}

}  // namespace jng::storage::sqlite
