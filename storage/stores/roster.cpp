// The roster store: `roster-items` and their `roster-groups`,
// always read and written together.
#include "rows.hpp"
#include "stores/stores.hpp"

namespace jng::storage::stores {
namespace {

constexpr std::string_view kRosterItems = "roster-items";
constexpr std::string_view kGroups = "roster-groups";

#define JNG_ITEM_COLUMNS R"("jid", "name", "to", "from", "ask", "approved", "pending-in", "hidden")"
// The same columns of "roster-items" AS i, and the group (or NULL) of a join
// with "roster-groups" AS g.
#define JNG_JOINED_COLUMNS                                                           \
    R"(i."jid", i."name", i."to", i."from", i."ask", i."approved", i."pending-in",)" \
    R"( i."hidden", g."group")"

Result<bool> read_flag(const SqlRow& r, int column, std::string_view name) {
    auto v = r.integer(column);
    if (!v) return v.error();
    auto flag = flag_from_column(name, *v);
    if (!flag) return corrupt(kRosterItems, flag.message());
    return *flag;
}

// One row of JNG_ITEM_COLUMNS, groups not yet attached.
Result<RosterItem> read_item(const SqlRow& r) {
    RosterItem item;
    auto jid = r.text(0);
    if (!jid) return jid.error();
    if (jid->empty()) return corrupt(kRosterItems, "empty \"jid\"");
    item.jid = std::move(*jid);
    auto name = r.text(1);
    if (!name) return name.error();
    item.name = std::move(*name);

    auto to = read_flag(r, 2, "to");
    if (!to) return to.error();
    auto from = read_flag(r, 3, "from");
    if (!from) return from.error();
    auto ask_value = r.integer(4);
    if (!ask_value) return ask_value.error();
    auto ask = ask_from_column(*ask_value);
    if (!ask) return corrupt(kRosterItems, ask.message());
    auto approved = read_flag(r, 5, "approved");
    if (!approved) return approved.error();
    auto pending_in = r.optional_text(6);
    if (!pending_in) return pending_in.error();
    auto hidden = read_flag(r, 7, "hidden");
    if (!hidden) return hidden.error();

    item.to = *to;
    item.from = *from;
    item.ask = *ask;
    item.approved = *approved;
    item.pending_in = pending_in->value_or(std::string());
    item.hidden = *hidden;
    return item;
}

// Rows of JNG_JOINED_COLUMNS, an item once per group (once with a NULL
// group when it has none), ordered by jid: the items with their groups.
Result<std::vector<RosterItem>> read_items(const SqlRows& rows) {
    std::vector<RosterItem> items;
    for (size_t i = 0; i < rows.size(); ++i) {
        auto row = rows[i];
        auto jid = row.text(0);
        if (!jid) return jid.error();
        if (items.empty() || items.back().jid != *jid) {
            auto item = read_item(row);
            if (!item) return item.error();
            items.push_back(std::move(*item));
        }
        auto group = row.optional_text(8);
        if (!group) return group.error();
        if (!*group) continue;
        if ((*group)->empty()) return corrupt(kGroups, "empty \"group\" for " + *jid);
        items.back().groups.push_back(std::move(**group));
    }
    return items;
}

}  // namespace

// One statement each, so one snapshot without a transaction around two
// (and one round trip instead of four on PostgreSQL's login path): a put()
// at the same moment cannot pair an old item with new groups. Both engines
// walk the two primary keys in order, so SQLite sorts nothing.
Roster::Roster(SqlConnection& db)
    : db_(db),
      items_sql_(sql_text({R"(SELECT )" JNG_JOINED_COLUMNS
                           R"( FROM "roster-items" AS i LEFT JOIN "roster-groups" AS g)"
                           R"( ON g."collection-owner" = i."collection-owner")"
                           R"( AND g."jid" = i."jid" WHERE i."collection-owner" = $1)"
                           R"( ORDER BY i."jid")",
                           db.dialect().byte_order, R"(, g."group")", db.dialect().byte_order})),
      get_sql_(sql_text({R"(SELECT )" JNG_JOINED_COLUMNS
                         R"( FROM "roster-items" AS i LEFT JOIN "roster-groups" AS g)"
                         R"( ON g."collection-owner" = i."collection-owner")"
                         R"( AND g."jid" = i."jid")"
                         R"( WHERE i."collection-owner" = $1 AND i."jid" = $2)"
                         R"( ORDER BY g."group")",
                         db.dialect().byte_order})) {}

Result<std::vector<RosterItem>> Roster::items(std::string_view owner) {
    auto rows = db_.query(items_sql_, owner);
    if (!rows) return rows.error();
    return read_items(*rows);
}

Result<std::optional<RosterItem>> Roster::get(std::string_view owner, std::string_view contact) {
    auto rows = db_.query(get_sql_, owner, contact);
    if (!rows) return rows.error();
    auto items = read_items(*rows);
    if (!items) return items.error();
    if (items->empty()) return std::optional<RosterItem>();
    return std::optional<RosterItem>(std::move(items->front()));
}

Status Roster::put(std::string_view owner, const RosterItem& item) {
    if (auto s = check_key("collection owner", owner); !s) return s;
    if (auto s = check_item(item); !s) return s;
    // The upsert locks the item's row (SQLite: the file) until COMMIT, so two
    // puts of one item from two connections take turns, each replacing the
    // groups whole.
    return db_.transaction(SqlConnection::Mode::kWrite, [&]() -> Status {
        // NULL, not '', when nothing is pending: the column says "none" plainly.
        SqlParam pending_in;
        if (!item.pending_in.empty()) pending_in = item.pending_in;
        auto upsert = db_.query(
            R"(INSERT INTO "roster-items" ("collection-owner", )" JNG_ITEM_COLUMNS
            R"() VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9))"
            R"( ON CONFLICT ("collection-owner", "jid") DO UPDATE SET)"
            R"( "name" = excluded."name", "to" = excluded."to", "from" = excluded."from",)"
            R"( "ask" = excluded."ask", "approved" = excluded."approved",)"
            R"( "pending-in" = excluded."pending-in", "hidden" = excluded."hidden")",
            owner, item.jid, item.name, int64_t{item.to}, int64_t{item.from},
            ask_to_column(item.ask), int64_t{item.approved}, pending_in, int64_t{item.hidden});
        if (!upsert) return upsert.error();

        // The groups are replaced, not merged: the item's list is the truth.
        auto d = db_.query(R"(DELETE FROM "roster-groups")"
                           R"( WHERE "collection-owner" = $1 AND "jid" = $2)",
                           owner, item.jid);
        if (!d) return d.error();
        for (const auto& group : item.groups) {
            // A repeated name collapses into one row rather than failing the put.
            auto g = db_.query(R"(INSERT INTO "roster-groups" ("collection-owner", "jid", "group"))"
                               R"( VALUES ($1, $2, $3) ON CONFLICT DO NOTHING)",
                               owner, item.jid, group);
            if (!g) return g.error();
        }
        return {};
    });
}

Result<bool> Roster::remove(std::string_view owner, std::string_view contact) {
    // The item's groups go with it (ON DELETE CASCADE).
    auto rows =
        db_.query(R"(DELETE FROM "roster-items" WHERE "collection-owner" = $1 AND "jid" = $2)",
                  owner, contact);
    if (!rows) return rows.error();
    return rows->affected() > 0;
}

}  // namespace jng::storage::stores

#undef JNG_ITEM_COLUMNS
#undef JNG_JOINED_COLUMNS
