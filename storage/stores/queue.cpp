// The offline `queue`: stanzas per owner in arrival order,
// numbered by a sequence that is never reused.
#include "rows.hpp"
#include "stores/stores.hpp"

namespace jng::storage::stores {
namespace {

constexpr std::string_view kQueueTable = "queue";

}  // namespace

Result<int64_t> Queue::push(std::string_view owner, std::string_view xml) {
    if (auto s = check_key("collection owner", owner); !s) return s.error();
    if (auto s = check_stanza(xml); !s) return s.error();
    // One statement, stepped to its end and (outside a transaction)
    // committed when it returns: the stanza is stored before we say so.
    auto rows = db_.query(R"(INSERT INTO "queue" ("collection-owner", "xml") VALUES ($1, $2))"
                          R"( RETURNING "object-sequence")",
                          owner, xml);
    if (!rows) return rows.error();
    if (rows->empty())
        return fail(std::string(db_.dialect().name) + ": queue insert returned no sequence");
    return (*rows)[0].integer(0);
}

Result<std::vector<QueuedStanza>> Queue::items(std::string_view owner) {
    auto rows = db_.query(R"(SELECT "object-sequence", "xml" FROM "queue")"
                          R"( WHERE "collection-owner" = $1 ORDER BY "object-sequence")",
                          owner);
    if (!rows) return rows.error();
    std::vector<QueuedStanza> out;
    out.reserve(rows->size());
    for (size_t i = 0; i < rows->size(); ++i) {
        auto seq = (*rows)[i].integer(0);
        if (!seq) return seq.error();
        if (*seq <= 0) return corrupt(kQueueTable, "\"object-sequence\" " + std::to_string(*seq));
        auto xml = (*rows)[i].text(1);
        if (!xml) return xml.error();
        if (xml->empty()) return corrupt(kQueueTable, "empty \"xml\"");
        out.push_back(QueuedStanza{*seq, std::move(*xml)});
    }
    return out;
}

Status Queue::remove_upto(std::string_view owner, int64_t upto) {
    auto rows = db_.query(R"(DELETE FROM "queue")"
                          R"( WHERE "collection-owner" = $1 AND "object-sequence" <= $2)",
                          owner, upto);
    if (!rows) return rows.error();
    return {};
}

Result<int64_t> Queue::count(std::string_view owner) {
    auto rows = db_.query(R"(SELECT COUNT(*) FROM "queue" WHERE "collection-owner" = $1)", owner);
    if (!rows) return rows.error();
    if (rows->empty()) return fail(std::string(db_.dialect().name) + ": COUNT returned no row");
    return (*rows)[0].integer(0);
}

}  // namespace jng::storage::stores
