// The two jabberd2 source drivers: a SQLite file opened read-only, and a
// PostgreSQL database through libpq. Handles are owned by the deleters the
// storage drivers use; values are bound as parameters, never spliced into SQL.
#include "import_jabberd2_source.hpp"

#include <sys/stat.h>

#include "pgsql/connection.hpp"
#include "sqlite/connection.hpp"

namespace jng::ctl::jabberd2 {

std::optional<std::string_view> SourceRow::get(std::string_view column) const {
    for (const auto& [name, value] : cells) {
        if (name == column) {
            if (!value) return std::nullopt;
            return std::string_view(*value);
        }
    }
    return std::nullopt;
}

namespace {

// Table names are our own constants; quoting them still keeps a name with a
// '"' (there is none) from ever becoming SQL.
std::string quoted(std::string_view identifier) {
    std::string out = "\"";
    for (char c : identifier) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// ---- SQLite ------------------------------------------------------------------

class SqliteSource final : public Source {
public:
    static Result<std::unique_ptr<Source>> open(const std::string& path) {
        sqlite3* raw = nullptr;
        // Read-only: an import never changes the jabberd2 database, and a
        // mistyped path is an error instead of a new empty file.
        const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
        storage::sqlite::DatabasePtr db(raw);
        if (rc != SQLITE_OK) {
            return fail("cannot open " + path + ": " +
                        (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
        }
        sqlite3_busy_timeout(db.get(), 5000);
        std::unique_ptr<SqliteSource> source(new SqliteSource(std::move(db), path));
        // One read transaction: a snapshot for the whole import.
        if (auto st = source->exec("BEGIN"); !st) return st.error();
        // Reading the schema tells a database from any other file.
        if (auto st = source->exec("SELECT COUNT(*) FROM sqlite_master"); !st) {
            return fail(path + " is not a SQLite database: " + st.message());
        }
        return std::unique_ptr<Source>(std::move(source));
    }

    std::string describe() const override { return "sqlite " + path_; }

    Result<bool> has_table(std::string_view table) override {
        auto rows = query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1",
                          table);
        if (!rows) return rows.error();
        return !rows->empty();
    }

    Result<SourceRows> rows(std::string_view table) override {
        return query("SELECT * FROM " + quoted(table) + " ORDER BY rowid", {});
    }

    Result<SourceRows> owned_rows(std::string_view table, std::string_view owner) override {
        return query("SELECT * FROM " + quoted(table) +
                         " WHERE \"collection-owner\" = ?1 ORDER BY \"object-sequence\"",
                     owner);
    }

    Result<std::vector<std::pair<std::string, int64_t>>> owners(std::string_view table) override {
        auto rows = query("SELECT \"collection-owner\" AS owner, COUNT(*) AS n FROM " +
                              quoted(table) + " GROUP BY 1 ORDER BY 1",
                          {});
        if (!rows) return rows.error();
        return owner_counts(*rows);
    }

private:
    SqliteSource(storage::sqlite::DatabasePtr db, std::string path)
        : db_(std::move(db)), path_(std::move(path)) {}

    Error error(std::string_view what) const {
        return fail(std::string(what) + ": " + sqlite3_errmsg(db_.get()));
    }

    Status exec(const std::string& sql) {
        auto rows = query(sql, {});
        if (!rows) return rows.error();
        return {};
    }

    // Runs `sql` with `param` bound to ?1 when given; every value comes back
    // as text, whatever SQLite's dynamic typing stored (jabberd2 wrote
    // booleans as integers into BOOL columns, and nothing kept a row from
    // holding text where a number belongs).
    Result<SourceRows> query(const std::string& sql, std::optional<std::string_view> param) {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(db_.get(), sql.c_str(), static_cast<int>(sql.size()), &raw,
                               nullptr) != SQLITE_OK) {
            return error(sql);
        }
        storage::sqlite::StatementPtr stmt(raw);
        if (param) {
            sqlite3_bind_text(stmt.get(), 1, param->data(), static_cast<int>(param->size()),
                              SQLITE_TRANSIENT);
        }
        SourceRows out;
        for (;;) {
            const int rc = sqlite3_step(stmt.get());
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) return error(sql);
            SourceRow row;
            const int columns = sqlite3_column_count(stmt.get());
            for (int i = 0; i < columns; ++i) {
                std::optional<std::string> value;
                if (sqlite3_column_type(stmt.get(), i) != SQLITE_NULL) {
                    // text() converts numbers to their decimal text; bytes()
                    // after it is the length of that text (or of a blob).
                    const auto* text =
                        reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), i));
                    const int length = sqlite3_column_bytes(stmt.get(), i);
                    value.emplace(text ? text : "", static_cast<size_t>(length));
                }
                row.cells.emplace_back(sqlite3_column_name(stmt.get(), i), std::move(value));
            }
            out.push_back(std::move(row));
        }
        return out;
    }

    static Result<std::vector<std::pair<std::string, int64_t>>> owner_counts(const SourceRows& rows) {
        std::vector<std::pair<std::string, int64_t>> out;
        for (const auto& row : rows) {
            const auto owner = row.get("owner");
            const auto n = row.get("n");
            if (!owner || !n) continue;  // a NULL owner owns nothing we could import
            out.emplace_back(std::string(*owner), std::stoll(std::string(*n)));
        }
        return out;
    }

    storage::sqlite::DatabasePtr db_;
    std::string path_;
};

// ---- PostgreSQL ----------------------------------------------------------------

class PgsqlSource final : public Source {
public:
    static Result<std::unique_ptr<Source>> open(std::string_view conninfo) {
        const std::string info(conninfo);
        storage::pgsql::ConnectionPtr conn(PQconnectdb(info.c_str()));
        const std::string where = storage::pgsql::describe(conninfo);
        if (!conn) return fail("cannot connect to " + where + ": out of memory");
        if (PQstatus(conn.get()) != CONNECTION_OK) {
            return fail("cannot connect to " + where + ": " + PQerrorMessage(conn.get()));
        }
        std::unique_ptr<PgsqlSource> source(new PgsqlSource(std::move(conn), where));
        // One snapshot for the whole import, and a promise not to write.
        if (auto rows = source->query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", {}); !rows)
            return rows.error();
        return std::unique_ptr<Source>(std::move(source));
    }

    std::string describe() const override { return "pgsql " + where_; }

    Result<bool> has_table(std::string_view table) override {
        // to_regclass follows the search_path, as jabberd2's unqualified
        // statements did.
        auto rows = query("SELECT to_regclass($1) IS NOT NULL AS present", quoted(table));
        if (!rows) return rows.error();
        return !rows->empty() && rows->front().get("present") == "t";
    }

    Result<SourceRows> rows(std::string_view table) override {
        return query("SELECT * FROM " + quoted(table), {});
    }

    Result<SourceRows> owned_rows(std::string_view table, std::string_view owner) override {
        return query("SELECT * FROM " + quoted(table) +
                         " WHERE \"collection-owner\" = $1 ORDER BY \"object-sequence\"",
                     owner);
    }

    Result<std::vector<std::pair<std::string, int64_t>>> owners(std::string_view table) override {
        auto rows = query("SELECT \"collection-owner\" AS owner, COUNT(*) AS n FROM " +
                              quoted(table) + " GROUP BY 1 ORDER BY 1",
                          {});
        if (!rows) return rows.error();
        std::vector<std::pair<std::string, int64_t>> out;
        for (const auto& row : *rows) {
            const auto owner = row.get("owner");
            const auto n = row.get("n");
            if (!owner || !n) continue;
            out.emplace_back(std::string(*owner), std::stoll(std::string(*n)));
        }
        return out;
    }

private:
    PgsqlSource(storage::pgsql::ConnectionPtr conn, std::string where)
        : conn_(std::move(conn)), where_(std::move(where)) {}

    // Text results: booleans come back as t/f, numbers as decimal text.
    Result<SourceRows> query(const std::string& sql, std::optional<std::string_view> param) {
        std::string value;
        const char* values[1] = {nullptr};
        int lengths[1] = {0};
        if (param) {
            value.assign(*param);
            values[0] = value.c_str();
            lengths[0] = static_cast<int>(value.size());
        }
        storage::pgsql::ResultPtr result(PQexecParams(conn_.get(), sql.c_str(), param ? 1 : 0,
                                                      nullptr, values, lengths, nullptr, 0));
        const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            return fail(sql + ": " +
                        (result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn_.get())));
        }
        SourceRows out;
        const int rows = PQntuples(result.get());
        const int columns = PQnfields(result.get());
        out.reserve(static_cast<size_t>(rows));
        for (int r = 0; r < rows; ++r) {
            SourceRow row;
            for (int c = 0; c < columns; ++c) {
                std::optional<std::string> cell;
                if (!PQgetisnull(result.get(), r, c)) {
                    cell.emplace(PQgetvalue(result.get(), r, c),
                                 static_cast<size_t>(PQgetlength(result.get(), r, c)));
                }
                row.cells.emplace_back(PQfname(result.get(), c), std::move(cell));
            }
            out.push_back(std::move(row));
        }
        return out;
    }

    storage::pgsql::ConnectionPtr conn_;
    std::string where_;
};

bool is_file(const std::string& path) {
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool looks_like_conninfo(std::string_view from) {
    return from.starts_with("postgresql://") || from.starts_with("postgres://") ||
           from.find('=') != std::string_view::npos;
}

}  // namespace

Result<std::unique_ptr<Source>> open_source(std::string_view from) {
    const std::string text(from);
    if (is_file(text)) return SqliteSource::open(text);
    if (looks_like_conninfo(from)) return PgsqlSource::open(from);
    return fail("--from " + text +
                ": no such file, and not a PostgreSQL conninfo (host=… dbname=… or postgresql://…)");
}

}  // namespace jng::ctl::jabberd2
