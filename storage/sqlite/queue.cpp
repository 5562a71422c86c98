// The sqlite driver's offline `queue`: stanzas per owner in arrival order,
// numbered by a sequence that is never reused.
#include "rows.hpp"
#include "sqlite/stores.hpp"

namespace jng::storage::sqlite {
namespace {

constexpr std::string_view kTable = "queue";

}  // namespace

Result<int64_t> Queue::push(std::string_view owner, std::string_view xml) {
    if (auto s = check_key("collection owner", owner); !s) return s.error();
    if (auto s = check_stanza(xml); !s) return s.error();
    auto q = db_.query(R"(INSERT INTO "queue" ("collection-owner", "xml") VALUES ($1, $2))"
                       R"( RETURNING "object-sequence")",
                       owner, xml);
    if (!q) return q.error();
    auto row = q->next();
    if (!row) return row.error();
    if (!*row) return fail("sqlite: queue insert returned no sequence");
    auto seq = q->integer(0);
    if (!seq) return seq.error();
    // Stepped to the end so that the insert is complete (and, outside a
    // transaction, committed) before we say it is stored.
    if (auto s = q->run(); !s) return s.error();
    return *seq;
}

Result<std::vector<QueuedStanza>> Queue::items(std::string_view owner) {
    auto q = db_.query(R"(SELECT "object-sequence", "xml" FROM "queue")"
                       R"( WHERE "collection-owner" = $1 ORDER BY "object-sequence")",
                       owner);
    if (!q) return q.error();
    std::vector<QueuedStanza> out;
    for (;;) {
        auto row = q->next();
        if (!row) return row.error();
        if (!*row) return out;
        auto seq = q->integer(0);
        if (!seq) return seq.error();
        if (*seq <= 0) return corrupt(kTable, "\"object-sequence\" " + std::to_string(*seq));
        auto xml = q->text(1);
        if (!xml) return xml.error();
        if (xml->empty()) return corrupt(kTable, "empty \"xml\"");
        out.push_back(QueuedStanza{*seq, std::move(*xml)});
    }
}

Status Queue::remove_upto(std::string_view owner, int64_t upto) {
    auto q = db_.query(R"(DELETE FROM "queue")"
                       R"( WHERE "collection-owner" = $1 AND "object-sequence" <= $2)",
                       owner, upto);
    if (!q) return q.error();
    return q->run();
}

Result<int64_t> Queue::count(std::string_view owner) {
    auto q = db_.query(R"(SELECT COUNT(*) FROM "queue" WHERE "collection-owner" = $1)", owner);
    if (!q) return q.error();
    auto row = q->next();
    if (!row) return row.error();
    if (!*row) return fail("sqlite: COUNT returned no row");
    return q->integer(0);
}

}  // namespace jng::storage::sqlite
