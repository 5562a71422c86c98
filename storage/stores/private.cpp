// The `private` store: XEP-0049 private XML, one element per
// user and namespace. The namespace comes from the client: it is a bound
// parameter like every other value, never part of the statement.
#include "rows.hpp"
#include "stores/stores.hpp"

namespace jng::storage::stores {
namespace {

constexpr std::string_view kPrivateTable = "private";

}  // namespace

Result<std::optional<std::string>> Private::get(std::string_view owner, std::string_view ns) {
    auto rows = db_.query(
        R"(SELECT "xml" FROM "private" WHERE "collection-owner" = $1 AND "ns" = $2)", owner, ns);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<std::string>();
    auto xml = (*rows)[0].text(0);
    if (!xml) return xml.error();
    if (auto s = check_document("\"xml\"", *xml); !s) return corrupt(kPrivateTable, s.message());
    return std::optional<std::string>(std::move(*xml));
}

Status Private::put(std::string_view owner, std::string_view ns, std::string_view xml) {
    if (auto s = check_key("collection owner", owner); !s) return s;
    if (auto s = check_key("namespace", ns); !s) return s;
    if (auto s = check_document("private XML", xml); !s) return s;
    auto rows =
        db_.query(R"(INSERT INTO "private" ("collection-owner", "ns", "xml") VALUES ($1, $2, $3))"
                  R"( ON CONFLICT ("collection-owner", "ns") DO UPDATE SET "xml" = excluded."xml")",
                  owner, ns, xml);
    if (!rows) return rows.error();
    return {};
}

}  // namespace jng::storage::stores
