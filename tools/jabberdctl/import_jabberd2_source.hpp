// Reading a jabberd2 2.x database, as created by jabberd2's tools/db-setup.sqlite
// or db-setup.pgsql: each table's rows as text, read the way jabberd2's own
// storage drivers read them (SELECT *, in "object-sequence" order), so a
// column one jabberd2 version lacks is just absent from the row.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "result.hpp"

namespace jng::ctl::jabberd2 {

// One row: its columns by name. NULL is nullopt; numbers and booleans are
// their text (SQLite: 1/0, PostgreSQL: t/f), which the converters parse.
struct SourceRow {
    std::vector<std::pair<std::string, std::optional<std::string>>> cells;

    // The column's value; nullopt for NULL and for a column the table lacks.
    std::optional<std::string_view> get(std::string_view column) const;
};
using SourceRows = std::vector<SourceRow>;

class Source {
public:
    virtual ~Source() = default;
    // For the report: "sqlite /path" or "pgsql host=… dbname=…" (no password).
    virtual std::string describe() const = 0;
    virtual Result<bool> has_table(std::string_view table) = 0;
    // Every row of `table`, or those whose "collection-owner" is `owner`.
    virtual Result<SourceRows> rows(std::string_view table) = 0;
    virtual Result<SourceRows> owned_rows(std::string_view table, std::string_view owner) = 0;
    // Each "collection-owner" of `table` with its number of rows.
    virtual Result<std::vector<std::pair<std::string, int64_t>>> owners(std::string_view table) = 0;
};

// A SQLite file, opened read-only, when `from` names an existing file;
// otherwise a PostgreSQL conninfo ("host=… dbname=…" or a postgresql:// URI).
// Either way the source is read in one transaction, so the import sees one
// consistent state even if something writes meanwhile.
Result<std::unique_ptr<Source>> open_source(std::string_view from);

}  // namespace jng::ctl::jabberd2
