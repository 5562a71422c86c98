// The sqlite driver's roster store: `roster-items` and their `roster-groups`,
// always read and written together.
#include <map>

#include "rows.hpp"
#include "sqlite/stores.hpp"

namespace jng::storage::sqlite {
namespace {

constexpr std::string_view kItems = "roster-items";
constexpr std::string_view kGroups = "roster-groups";

#define JNG_ITEM_COLUMNS R"("jid", "name", "to", "from", "ask", "approved", "pending-in", "hidden")"

Result<bool> read_flag(const Query& q, int column, std::string_view name) {
    auto v = q.integer(column);
    if (!v) return v.error();
    auto flag = flag_from_column(name, *v);
    if (!flag) return corrupt(kItems, flag.message());
    return *flag;
}

// One row of JNG_ITEM_COLUMNS, groups not yet attached.
Result<RosterItem> read_item(const Query& q) {
    RosterItem item;
    auto jid = q.text(0);
    if (!jid) return jid.error();
    if (jid->empty()) return corrupt(kItems, "empty \"jid\"");
    item.jid = std::move(*jid);
    auto name = q.text(1);
    if (!name) return name.error();
    item.name = std::move(*name);

    auto to = read_flag(q, 2, "to");
    if (!to) return to.error();
    auto from = read_flag(q, 3, "from");
    if (!from) return from.error();
    auto ask_value = q.integer(4);
    if (!ask_value) return ask_value.error();
    auto ask = ask_from_column(*ask_value);
    if (!ask) return corrupt(kItems, ask.message());
    auto approved = read_flag(q, 5, "approved");
    if (!approved) return approved.error();
    auto pending_in = q.optional_text(6);
    if (!pending_in) return pending_in.error();
    auto hidden = read_flag(q, 7, "hidden");
    if (!hidden) return hidden.error();

    item.to = *to;
    item.from = *from;
    item.ask = *ask;
    item.approved = *approved;
    item.pending_in = pending_in->value_or(std::string());
    item.hidden = *hidden;
    return item;
}

Result<std::vector<RosterItem>> read_items(Query& q) {
    std::vector<RosterItem> items;
    for (;;) {
        auto row = q.next();
        if (!row) return row.error();
        if (!*row) return items;
        auto item = read_item(q);
        if (!item) return item.error();
        items.push_back(std::move(*item));
    }
}

// Attaches rows of (jid, group) to `items`; a group whose item is missing
// can only come from a damaged database.
Status attach_groups(Query& q, std::vector<RosterItem>& items) {
    std::map<std::string_view, RosterItem*> by_jid;
    for (auto& item : items) by_jid.emplace(item.jid, &item);
    for (;;) {
        auto row = q.next();
        if (!row) return row.error();
        if (!*row) return {};
        auto jid = q.text(0);
        if (!jid) return jid.error();
        auto group = q.text(1);
        if (!group) return group.error();
        auto it = by_jid.find(*jid);
        if (it == by_jid.end()) return corrupt(kGroups, "group for a missing item " + *jid);
        if (group->empty()) return corrupt(kGroups, "empty \"group\" for " + *jid);
        it->second->groups.push_back(std::move(*group));
    }
}

}  // namespace

Result<std::vector<RosterItem>> Roster::items(std::string_view owner) {
    std::vector<RosterItem> items;
    // One snapshot for both queries: a put() in between must not pair an old
    // item with new groups.
    Status s = db_.transaction(Connection::Mode::kRead, [&]() -> Status {
        auto q = db_.query(R"(SELECT )" JNG_ITEM_COLUMNS
                           R"( FROM "roster-items" WHERE "collection-owner" = $1 ORDER BY "jid")",
                           owner);
        if (!q) return q.error();
        auto read = read_items(*q);
        if (!read) return read.error();
        items = std::move(*read);
        if (items.empty()) return {};
        auto g = db_.query(R"(SELECT "jid", "group" FROM "roster-groups")"
                           R"( WHERE "collection-owner" = $1 ORDER BY "jid", "group")",
                           owner);
        if (!g) return g.error();
        return attach_groups(*g, items);
    });
    if (!s) return s.error();
    return items;
}

Result<std::optional<RosterItem>> Roster::get(std::string_view owner, std::string_view contact) {
    std::optional<RosterItem> found;
    Status s = db_.transaction(Connection::Mode::kRead, [&]() -> Status {
        auto q = db_.query(R"(SELECT )" JNG_ITEM_COLUMNS
                           R"( FROM "roster-items" WHERE "collection-owner" = $1 AND "jid" = $2)",
                           owner, contact);
        if (!q) return q.error();
        auto read = read_items(*q);
        if (!read) return read.error();
        if (read->empty()) return {};
        auto g = db_.query(R"(SELECT "jid", "group" FROM "roster-groups")"
                           R"( WHERE "collection-owner" = $1 AND "jid" = $2 ORDER BY "group")",
                           owner, contact);
        if (!g) return g.error();
        if (auto a = attach_groups(*g, *read); !a) return a;
        found = std::move(read->front());
        return {};
    });
    if (!s) return s.error();
    return found;
}

Status Roster::put(std::string_view owner, const RosterItem& item) {
    if (auto s = check_key("collection owner", owner); !s) return s;
    if (auto s = check_item(item); !s) return s;
    return db_.transaction(Connection::Mode::kWrite, [&]() -> Status {
        auto q = db_.query(
            R"(INSERT INTO "roster-items" ("collection-owner", )" JNG_ITEM_COLUMNS
            R"() VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9))"
            R"( ON CONFLICT ("collection-owner", "jid") DO UPDATE SET)"
            R"( "name" = excluded."name", "to" = excluded."to", "from" = excluded."from",)"
            R"( "ask" = excluded."ask", "approved" = excluded."approved",)"
            R"( "pending-in" = excluded."pending-in", "hidden" = excluded."hidden")",
            owner, item.jid, item.name, int64_t{item.to}, int64_t{item.from},
            ask_to_column(item.ask), int64_t{item.approved});
        if (!q) return q.error();
        // NULL, not '', when nothing is pending: the column says "none" plainly.
        if (item.pending_in.empty())
            q->bind_null(8);
        else
            q->bind(8, item.pending_in);
        q->bind(9, int64_t{item.hidden});
        if (auto s = q->run(); !s) return s;

        // The groups are replaced, not merged: the item's list is the truth.
        auto d = db_.query(R"(DELETE FROM "roster-groups")"
                           R"( WHERE "collection-owner" = $1 AND "jid" = $2)",
                           owner, item.jid);
        if (!d) return d.error();
        if (auto s = d->run(); !s) return s;
        for (const auto& group : item.groups) {
            // A repeated name collapses into one row rather than failing the put.
            auto g = db_.query(R"(INSERT INTO "roster-groups" ("collection-owner", "jid", "group"))"
                               R"( VALUES ($1, $2, $3) ON CONFLICT DO NOTHING)",
                               owner, item.jid, group);
            if (!g) return g.error();
            if (auto s = g->run(); !s) return s;
        }
        return {};
    });
}

Result<bool> Roster::remove(std::string_view owner, std::string_view contact) {
    // The item's groups go with it (ON DELETE CASCADE).
    auto q = db_.query(R"(DELETE FROM "roster-items" WHERE "collection-owner" = $1 AND "jid" = $2)",
                       owner, contact);
    if (!q) return q.error();
    if (auto s = q->run(); !s) return s.error();
    return db_.changes() > 0;
}

}  // namespace jng::storage::sqlite

#undef JNG_ITEM_COLUMNS
