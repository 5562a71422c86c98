// The sqlite driver's privacy store: XEP-0016 lists as rows of
// `privacy-items`, and the user's default list in `privacy-default`.
#include "rows.hpp"
#include "sqlite/stores.hpp"

namespace jng::storage::sqlite {
namespace {

constexpr std::string_view kItems = "privacy-items";
constexpr std::string_view kDefault = "privacy-default";

#define JNG_PRIVACY_COLUMNS R"("type", "value", "deny", "order", "block")"

// One row of JNG_PRIVACY_COLUMNS starting at column `first`, checked as a
// whole: a row written by another program, or damaged, is no rule to apply.
Result<PrivacyItem> read_item(const Query& q, int first) {
    PrivacyItem item;
    auto type_text = q.optional_text(first);
    if (!type_text) return type_text.error();
    auto type = privacy_type_from_column(*type_text);
    if (!type) return corrupt(kItems, type.message());
    item.type = *type;

    auto value = q.optional_text(first + 1);
    if (!value) return value.error();
    item.value = value->value_or(std::string());

    auto deny = q.integer(first + 2);
    if (!deny) return deny.error();
    auto denied = flag_from_column("deny", *deny);
    if (!denied) return corrupt(kItems, denied.message());
    item.allow = !*denied;

    auto order_value = q.integer(first + 3);
    if (!order_value) return order_value.error();
    auto order = privacy_order_from_column(*order_value);
    if (!order) return corrupt(kItems, order.message());
    item.order = *order;

    auto block = q.integer(first + 4);
    if (!block) return block.error();
    if (auto s = privacy_block_from_column(*block, item); !s) return corrupt(kItems, s.message());

    if (auto s = check_privacy_item(item); !s) return corrupt(kItems, s.message());
    return item;
}

}  // namespace

Result<std::vector<PrivacyList>> Privacy::lists(std::string_view owner) {
    // One statement, one snapshot: every list as it was at one moment.
    auto q = db_.query(R"(SELECT "list", )" JNG_PRIVACY_COLUMNS
                       R"( FROM "privacy-items" WHERE "collection-owner" = $1)"
                       R"( ORDER BY "list", "order")",
                       owner);
    if (!q) return q.error();
    std::vector<PrivacyList> lists;
    for (;;) {
        auto row = q->next();
        if (!row) return row.error();
        if (!*row) return lists;
        auto name = q->text(0);
        if (!name) return name.error();
        if (name->empty()) return corrupt(kItems, "empty \"list\"");
        auto item = read_item(*q, 1);
        if (!item) return item.error();
        // Rows come grouped by list: a new name starts a new list.
        if (lists.empty() || lists.back().name != *name)
            lists.push_back(PrivacyList{std::move(*name), {}});
        lists.back().items.push_back(std::move(*item));
    }
}

Result<std::optional<PrivacyList>> Privacy::list(std::string_view owner, std::string_view name) {
    auto q = db_.query(R"(SELECT )" JNG_PRIVACY_COLUMNS
                       R"( FROM "privacy-items" WHERE "collection-owner" = $1 AND "list" = $2)"
                       R"( ORDER BY "order")",
                       owner, name);
    if (!q) return q.error();
    PrivacyList list{std::string(name), {}};
    for (;;) {
        auto row = q->next();
        if (!row) return row.error();
        if (!*row) break;
        auto item = read_item(*q, 0);
        if (!item) return item.error();
        list.items.push_back(std::move(*item));
    }
    if (list.items.empty()) return std::optional<PrivacyList>();
    return std::optional<PrivacyList>(std::move(list));
}

Status Privacy::put(std::string_view owner, const PrivacyList& list) {
    if (auto s = check_key("collection owner", owner); !s) return s;
    if (auto s = check_privacy_list(list); !s) return s;
    // The old items go and the new ones come in one transaction: a reader, or
    // a failure half-way, sees either list whole, never a mix.
    return db_.transaction(Connection::Mode::kWrite, [&]() -> Status {
        auto d = db_.query(R"(DELETE FROM "privacy-items")"
                           R"( WHERE "collection-owner" = $1 AND "list" = $2)",
                           owner, list.name);
        if (!d) return d.error();
        if (auto s = d->run(); !s) return s;
        for (const auto& item : list.items) {
            auto q = db_.query(
                R"(INSERT INTO "privacy-items" ("collection-owner", "list", )" JNG_PRIVACY_COLUMNS
                R"() VALUES ($1, $2, $3, $4, $5, $6, $7))",
                owner, list.name);
            if (!q) return q.error();
            // NULL type and value for the fall-through item, as jabberd2 wrote it.
            if (auto type = privacy_type_to_column(item.type)) {
                q->bind(3, *type);
                q->bind(4, item.value);
            } else {
                q->bind_null(3);
                q->bind_null(4);
            }
            q->bind(5, int64_t{!item.allow});
            q->bind(6, int64_t{item.order});
            q->bind(7, privacy_block_to_column(item));
            if (auto s = q->run(); !s) return s;
        }
        return {};
    });
}

Result<bool> Privacy::remove(std::string_view owner, std::string_view name) {
    bool removed = false;
    Status s = db_.transaction(Connection::Mode::kWrite, [&]() -> Status {
        auto d = db_.query(R"(DELETE FROM "privacy-items")"
                           R"( WHERE "collection-owner" = $1 AND "list" = $2)",
                           owner, name);
        if (!d) return d.error();
        if (auto s = d->run(); !s) return s;
        removed = db_.changes() > 0;
        // A default must name a list that exists.
        auto c = db_.query(R"(DELETE FROM "privacy-default")"
                           R"( WHERE "collection-owner" = $1 AND "default" = $2)",
                           owner, name);
        if (!c) return c.error();
        return c->run();
    });
    if (!s) return s.error();
    return removed;
}

Result<std::optional<std::string>> Privacy::default_list(std::string_view owner) {
    auto q = db_.query(R"(SELECT "default" FROM "privacy-default" WHERE "collection-owner" = $1)",
                       owner);
    if (!q) return q.error();
    auto row = q->next();
    if (!row) return row.error();
    if (!*row) return std::optional<std::string>();
    auto name = q->text(0);
    if (!name) return name.error();
    if (name->empty()) return corrupt(kDefault, "empty \"default\"");
    return std::optional<std::string>(std::move(*name));
}

Status Privacy::set_default(std::string_view owner, std::optional<std::string> name) {
    if (auto s = check_key("collection owner", owner); !s) return s;
    if (!name) {
        auto q = db_.query(R"(DELETE FROM "privacy-default" WHERE "collection-owner" = $1)", owner);
        if (!q) return q.error();
        return q->run();
    }
    if (auto s = check_key("privacy list name", *name); !s) return s;
    // Checked and written under the write lock, so that a list removed at the
    // same moment cannot be left as the default.
    return db_.transaction(Connection::Mode::kWrite, [&]() -> Status {
        {
            auto exists = db_.query(R"(SELECT 1 FROM "privacy-items")"
                                    R"( WHERE "collection-owner" = $1 AND "list" = $2 LIMIT 1)",
                                    owner, *name);
            if (!exists) return exists.error();
            auto row = exists->next();
            if (!row) return row.error();
            if (!*row) return fail("no privacy list of that name to make the default");
        }
        auto q = db_.query(R"(INSERT INTO "privacy-default" ("collection-owner", "default"))"
                           R"( VALUES ($1, $2) ON CONFLICT ("collection-owner"))"
                           R"( DO UPDATE SET "default" = excluded."default")",
                           owner, *name);
        if (!q) return q.error();
        return q->run();
    });
}

}  // namespace jng::storage::sqlite

#undef JNG_PRIVACY_COLUMNS
