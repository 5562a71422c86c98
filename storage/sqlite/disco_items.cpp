// The sqlite driver's `disco-items` store: the items each domain lists in
// disco#items besides its components, keyed by the domain.
#include "rows.hpp"
#include "sqlite/stores.hpp"

namespace jng::storage::sqlite {
namespace {

constexpr std::string_view kTable = "disco-items";

}  // namespace

Result<std::vector<DiscoItem>> DiscoItems::items(std::string_view domain) {
    auto q = db_.query(R"(SELECT "jid", "name", "node" FROM "disco-items")"
                       R"( WHERE "collection-owner" = $1 ORDER BY "jid", "node")",
                       domain);
    if (!q) return q.error();
    std::vector<DiscoItem> items;
    for (;;) {
        auto row = q->next();
        if (!row) return row.error();
        if (!*row) return items;
        auto jid = q->text(0);
        if (!jid) return jid.error();
        auto name = q->text(1);
        if (!name) return name.error();
        auto node = q->text(2);
        if (!node) return node.error();
        DiscoItem item{std::move(*jid), std::move(*name), std::move(*node)};
        if (auto s = check_disco_item(item); !s) return corrupt(kTable, s.message());
        items.push_back(std::move(item));
    }
}

Status DiscoItems::put(std::string_view domain, const DiscoItem& item) {
    if (auto s = check_domain(domain); !s) return s;
    if (auto s = check_disco_item(item); !s) return s;
    auto q = db_.query(R"(INSERT INTO "disco-items" ("collection-owner", "jid", "name", "node"))"
                       R"( VALUES ($1, $2, $3, $4) ON CONFLICT ("collection-owner", "jid", "node"))"
                       R"( DO UPDATE SET "name" = excluded."name")",
                       domain, item.jid, item.name, item.node);
    if (!q) return q.error();
    return q->run();
}

Result<bool> DiscoItems::remove(std::string_view domain, std::string_view jid,
                                std::string_view node) {
    auto q = db_.query(R"(DELETE FROM "disco-items")"
                       R"( WHERE "collection-owner" = $1 AND "jid" = $2 AND "node" = $3)",
                       domain, jid, node);
    if (!q) return q.error();
    if (auto s = q->run(); !s) return s.error();
    return db_.changes() > 0;
}

}  // namespace jng::storage::sqlite
