// The `disco-items` store: the items each domain lists in
// disco#items besides its components, keyed by the domain.
#include "rows.hpp"
#include "stores/stores.hpp"

namespace jng::storage::stores {
namespace {

constexpr std::string_view kDiscoItemsTable = "disco-items";

}  // namespace

DiscoItems::DiscoItems(SqlConnection& db)
    : db_(db),
      items_sql_(sql_text({R"(SELECT "jid", "name", "node" FROM "disco-items")"
                           R"( WHERE "collection-owner" = $1 ORDER BY "jid")",
                           db.dialect().byte_order, R"(, "node")", db.dialect().byte_order})) {}

Result<std::vector<DiscoItem>> DiscoItems::items(std::string_view domain) {
    auto rows = db_.query(items_sql_, domain);
    if (!rows) return rows.error();
    std::vector<DiscoItem> items;
    items.reserve(rows->size());
    for (size_t i = 0; i < rows->size(); ++i) {
        auto row = (*rows)[i];
        auto jid = row.text(0);
        if (!jid) return jid.error();
        auto name = row.text(1);
        if (!name) return name.error();
        auto node = row.text(2);
        if (!node) return node.error();
        DiscoItem item{std::move(*jid), std::move(*name), std::move(*node)};
        if (auto s = check_disco_item(item); !s) return corrupt(kDiscoItemsTable, s.message());
        items.push_back(std::move(item));
    }
    return items;
}

Status DiscoItems::put(std::string_view domain, const DiscoItem& item) {
    if (auto s = check_domain(domain); !s) return s;
    if (auto s = check_disco_item(item); !s) return s;
    auto rows =
        db_.query(R"(INSERT INTO "disco-items" ("collection-owner", "jid", "name", "node"))"
                  R"( VALUES ($1, $2, $3, $4) ON CONFLICT ("collection-owner", "jid", "node"))"
                  R"( DO UPDATE SET "name" = excluded."name")",
                  domain, item.jid, item.name, item.node);
    if (!rows) return rows.error();
    return {};
}

Result<bool> DiscoItems::remove(std::string_view domain, std::string_view jid,
                                std::string_view node) {
    auto rows = db_.query(R"(DELETE FROM "disco-items")"
                          R"( WHERE "collection-owner" = $1 AND "jid" = $2 AND "node" = $3)",
                          domain, jid, node);
    if (!rows) return rows.error();
    return rows->affected() > 0;
}

}  // namespace jng::storage::stores
