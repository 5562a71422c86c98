// The privacy store: XEP-0016 lists as rows of `privacy-items`, and the
// user's default list in `privacy-default`.
#include "rows.hpp"
#include "stores/stores.hpp"

namespace jng::storage::stores {
namespace {

constexpr std::string_view kPrivacyItems = "privacy-items";
constexpr std::string_view kDefault = "privacy-default";

#define JNG_PRIVACY_COLUMNS R"("type", "value", "deny", "order", "block")"

// One row of JNG_PRIVACY_COLUMNS starting at column `first`, checked as a
// whole: a row written by another program, or damaged, is no rule to apply.
Result<PrivacyItem> read_item(const SqlRow& r, int first) {
    PrivacyItem item;
    auto type_text = r.optional_text(first);
    if (!type_text) return type_text.error();
    auto type = privacy_type_from_column(*type_text);
    if (!type) return corrupt(kPrivacyItems, type.message());
    item.type = *type;

    auto value = r.optional_text(first + 1);
    if (!value) return value.error();
    item.value = value->value_or(std::string());

    auto deny = r.integer(first + 2);
    if (!deny) return deny.error();
    auto denied = flag_from_column("deny", *deny);
    if (!denied) return corrupt(kPrivacyItems, denied.message());
    item.allow = !*denied;

    auto order_value = r.integer(first + 3);
    if (!order_value) return order_value.error();
    auto order = privacy_order_from_column(*order_value);
    if (!order) return corrupt(kPrivacyItems, order.message());
    item.order = *order;

    auto block = r.integer(first + 4);
    if (!block) return block.error();
    if (auto s = privacy_block_from_column(*block, item); !s) return corrupt(kPrivacyItems, s.message());

    if (auto s = check_privacy_item(item); !s) return corrupt(kPrivacyItems, s.message());
    return item;
}

}  // namespace

Privacy::Privacy(SqlConnection& db)
    : db_(db),
      lists_sql_(sql_text({R"(SELECT "list", )" JNG_PRIVACY_COLUMNS
                           R"( FROM "privacy-items" WHERE "collection-owner" = $1)"
                           R"( ORDER BY "list")",
                           db.dialect().byte_order, R"(, "order")"})) {}

Result<std::vector<PrivacyList>> Privacy::lists(std::string_view owner) {
    // One statement, one snapshot: every list as it was at one moment.
    auto rows = db_.query(lists_sql_, owner);
    if (!rows) return rows.error();
    std::vector<PrivacyList> lists;
    for (size_t i = 0; i < rows->size(); ++i) {
        auto row = (*rows)[i];
        auto name = row.text(0);
        if (!name) return name.error();
        if (name->empty()) return corrupt(kPrivacyItems, "empty \"list\"");
        auto item = read_item(row, 1);
        if (!item) return item.error();
        // Rows come grouped by list: a new name starts a new list.
        if (lists.empty() || lists.back().name != *name)
            lists.push_back(PrivacyList{std::move(*name), {}});
        lists.back().items.push_back(std::move(*item));
    }
    return lists;
}

Result<std::optional<PrivacyList>> Privacy::list(std::string_view owner, std::string_view name) {
    auto rows = db_.query(R"(SELECT )" JNG_PRIVACY_COLUMNS
                          R"( FROM "privacy-items" WHERE "collection-owner" = $1 AND "list" = $2)"
                          R"( ORDER BY "order")",
                          owner, name);
    if (!rows) return rows.error();
    PrivacyList list{std::string(name), {}};
    for (size_t i = 0; i < rows->size(); ++i) {
        auto item = read_item((*rows)[i], 0);
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
    // a failure half-way, sees either list whole, never a mix. The owner's
    // lock orders it against set_default and remove on other connections.
    return db_.transaction(SqlConnection::Mode::kWrite, [&]() -> Status {
        if (auto s = db_.lock(kPrivacyLock, owner); !s) return s;
        auto d = db_.query(R"(DELETE FROM "privacy-items")"
                           R"( WHERE "collection-owner" = $1 AND "list" = $2)",
                           owner, list.name);
        if (!d) return d.error();
        for (const auto& item : list.items) {
            // NULL type and value for the fall-through item, as jabberd2 wrote it.
            SqlParam type, value;
            if (auto column = privacy_type_to_column(item.type)) {
                type = *column;
                value = std::string_view(item.value);
            }
            auto q = db_.query(
                R"(INSERT INTO "privacy-items" ("collection-owner", "list", )" JNG_PRIVACY_COLUMNS
                R"() VALUES ($1, $2, $3, $4, $5, $6, $7))",
                owner, list.name, type, value, int64_t{!item.allow}, int64_t{item.order},
                privacy_block_to_column(item));
            if (!q) return q.error();
        }
        return {};
    });
}

Result<bool> Privacy::remove(std::string_view owner, std::string_view name) {
    bool removed = false;
    Status s = db_.transaction(SqlConnection::Mode::kWrite, [&]() -> Status {
        if (auto s = db_.lock(kPrivacyLock, owner); !s) return s;
        auto d = db_.query(R"(DELETE FROM "privacy-items")"
                           R"( WHERE "collection-owner" = $1 AND "list" = $2)",
                           owner, name);
        if (!d) return d.error();
        removed = d->affected() > 0;
        // A default must name a list that exists.
        auto c = db_.query(R"(DELETE FROM "privacy-default")"
                           R"( WHERE "collection-owner" = $1 AND "default" = $2)",
                           owner, name);
        if (!c) return c.error();
        return {};
    });
    if (!s) return s.error();
    return removed;
}

Result<std::optional<std::string>> Privacy::default_list(std::string_view owner) {
    auto rows = db_.query(
        R"(SELECT "default" FROM "privacy-default" WHERE "collection-owner" = $1)", owner);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<std::string>();
    auto name = (*rows)[0].text(0);
    if (!name) return name.error();
    if (name->empty()) return corrupt(kDefault, "empty \"default\"");
    return std::optional<std::string>(std::move(*name));
}

Status Privacy::set_default(std::string_view owner, std::optional<std::string> name) {
    if (auto s = check_key("collection owner", owner); !s) return s;
    if (!name) {
        auto rows =
            db_.query(R"(DELETE FROM "privacy-default" WHERE "collection-owner" = $1)", owner);
        if (!rows) return rows.error();
        return {};
    }
    if (auto s = check_key("privacy list name", *name); !s) return s;
    // Checked and written under the owner's lock, so that a list removed at
    // the same moment on another connection cannot be left as the default.
    return db_.transaction(SqlConnection::Mode::kWrite, [&]() -> Status {
        if (auto s = db_.lock(kPrivacyLock, owner); !s) return s;
        auto exists = db_.query(R"(SELECT 1 FROM "privacy-items")"
                                R"( WHERE "collection-owner" = $1 AND "list" = $2 LIMIT 1)",
                                owner, *name);
        if (!exists) return exists.error();
        if (exists->empty()) return fail("no privacy list of that name to make the default");
        auto q = db_.query(R"(INSERT INTO "privacy-default" ("collection-owner", "default"))"
                           R"( VALUES ($1, $2) ON CONFLICT ("collection-owner"))"
                           R"( DO UPDATE SET "default" = excluded."default")",
                           owner, *name);
        if (!q) return q.error();
        return {};
    });
}

}  // namespace jng::storage::stores

#undef JNG_PRIVACY_COLUMNS
