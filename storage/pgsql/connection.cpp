// libpq handles, the prepared-statement cache, parameters, results and
// transactions: the only file of the pgsql driver that speaks libpq.
#include "pgsql/connection.hpp"

#include <charconv>
#include <cstring>
#include <optional>
#include <utility>
#include <variant>

namespace jng::storage::pgsql {
namespace {

// Type OIDs from PostgreSQL's catalog (pg_type.dat); stable across versions.
constexpr Oid kInt8 = 20;
constexpr Oid kInt2 = 21;
constexpr Oid kInt4 = 23;
constexpr Oid kText = 25;
constexpr Oid kVarchar = 1043;

// Oldest server the SQL here is written for (ON CONFLICT, to_regclass with
// text, EXECUTE FUNCTION in the tests' triggers).
constexpr int kMinServerVersion = 110000;

std::string trimmed(const char* text) {
    std::string s = text ? text : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// The server's notices ("relation already exists, skipping") are not ours
// to print: libpq's default processor writes them to stderr.
void ignore_notice(void*, const char*) {}

}  // namespace

bool is_fatal(std::string_view sqlstate) {
    if (sqlstate.size() != 5) return false;
    std::string_view cls = sqlstate.substr(0, 2);
    return cls == "08" || cls == "58" || cls == "XX" || sqlstate == "57P01" ||
           sqlstate == "57P02" || sqlstate == "57P03";
}

// ---- PgResult ----------------------------------------------------------------

namespace {

// A statement's PGresult, read with checked types: libpq has fetched every
// row already, so nothing is copied.
class PgResult final : public SqlResult {
public:
    explicit PgResult(ResultPtr result) : result_(std::move(result)) {}

    size_t size() const override { return static_cast<size_t>(PQntuples(result_.get())); }

    int64_t affected() const override {
        const char* n = PQcmdTuples(result_.get());
        int64_t value = 0;
        if (n && *n) std::from_chars(n, n + std::strlen(n), value);
        return value;
    }

    bool is_null(size_t row, int column) const override {
        return PQgetisnull(result_.get(), static_cast<int>(row), column) != 0;
    }

    Result<int64_t> integer(size_t row, int column) const override {
        Oid type = PQftype(result_.get(), column);
        if (type != kInt8 && type != kInt4 && type != kInt2)
            return column_error(column, "an integer");
        if (is_null(row, column)) return column_error(column, "an integer (it is NULL)");
        const char* p = PQgetvalue(result_.get(), static_cast<int>(row), column);
        const char* end = p + PQgetlength(result_.get(), static_cast<int>(row), column);
        int64_t value = 0;
        auto [at, ec] = std::from_chars(p, end, value);
        if (ec != std::errc() || at != end) return column_error(column, "an integer");
        return value;
    }

    Result<std::string> text(size_t row, int column) const override {
        Oid type = PQftype(result_.get(), column);
        if (type != kText && type != kVarchar) return column_error(column, "text");
        if (is_null(row, column)) return column_error(column, "text (it is NULL)");
        const int r = static_cast<int>(row);
        return std::string(PQgetvalue(result_.get(), r, column),
                           static_cast<size_t>(PQgetlength(result_.get(), r, column)));
    }

private:
    Error column_error(int column, std::string_view expected) const {
        const char* name = PQfname(result_.get(), column);
        return fail("pgsql: corrupt row: \"" + std::string(name ? name : "?") + "\" is not " +
                    std::string(expected));
    }

    ResultPtr result_;
};

constexpr SqlDialect kDialect{"pgsql", R"( COLLATE "C")"};

}  // namespace

// ---- Connection ------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::open(const Settings& settings) {
    if (settings.conninfo.empty()) return fail("pgsql: no conninfo configured");
    const std::string timeout = std::to_string(settings.connect_timeout.count());
    // Processed in order, later ones winning: the defaults first, then the
    // administrator's conninfo (expanded from "dbname"), then what the
    // driver relies on. Keepalives make a peer that vanished without a word
    // (a host down, a network split) an error within a minute or so instead
    // of a worker blocked on a dead socket.
    const char* keys[] = {"connect_timeout",   "fallback_application_name",
                          "keepalives",        "keepalives_idle",
                          "keepalives_interval", "keepalives_count",
                          "dbname",            "client_encoding",
                          nullptr};
    const char* values[] = {timeout.c_str(), "jabberd-ng", "1", "30", "10", "3",
                            settings.conninfo.c_str(), "UTF8", nullptr};
    ConnectionPtr conn(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
    if (!conn) return fail("pgsql: out of memory");
    if (PQstatus(conn.get()) != CONNECTION_OK)
        return fail("pgsql: cannot connect to " + describe(settings.conninfo) + ": " +
                    trimmed(PQerrorMessage(conn.get())));
    PQsetNoticeProcessor(conn.get(), ignore_notice, nullptr);
    std::unique_ptr<Connection> c(new Connection(std::move(conn)));
    if (auto s = c->configure(settings); !s) return s.error();
    return c;
}

Connection::~Connection() = default;

Status Connection::configure(const Settings& settings) {
    PGconn* conn = conn_.get();
    if (PQserverVersion(conn) < kMinServerVersion)
        return fail("pgsql: server version " + std::to_string(PQserverVersion(conn)) +
                    " is too old (PostgreSQL 11 or newer is needed)");
    // Stored text is UTF-8 from XML streams; a LATIN1 database would refuse
    // most of the world's names, and SQL_ASCII would not check anything.
    const char* encoding = PQparameterStatus(conn, "server_encoding");
    if (!encoding || std::string_view(encoding) != "UTF8")
        return fail(std::string("pgsql: the database's encoding is ") +
                    (encoding ? encoding : "unknown") +
                    "; jabberd-ng needs UTF8 (createdb --encoding=UTF8)");
    const std::string timeout = std::to_string(settings.statement_timeout.count());
    const char* values[] = {timeout.c_str()};
    ResultPtr r(PQexecParams(conn, "SELECT set_config('statement_timeout', $1, false)", 1,
                             nullptr, values, nullptr, nullptr, 0));
    if (auto rows = check(std::move(r), "setting statement_timeout"); !rows) return rows.error();
    return {};
}

Error Connection::error(std::string_view what, const PGresult* result) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    last_sqlstate_ = state ? state : "";
    if (is_fatal(last_sqlstate_) || PQstatus(conn_.get()) != CONNECTION_OK) broken_ = true;
    std::string message;
    if (const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr) {
        message = primary;
        if (const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL))
            message += std::string(" (") + detail + ")";
    } else {
        message = trimmed(PQerrorMessage(conn_.get()));
        if (message.empty()) message = "no answer from the server";
    }
    if (!last_sqlstate_.empty()) message += " [" + last_sqlstate_ + "]";
    return fail("pgsql: " + std::string(what) + ": " + message);
}

Result<SqlRows> Connection::check(ResultPtr result, std::string_view what) {
    if (result) {
        ExecStatusType status = PQresultStatus(result.get());
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            last_sqlstate_.clear();
            return SqlRows(std::make_unique<PgResult>(std::move(result)));
        }
    }
    return error(what, result.get());
}

namespace {

std::string shortened(std::string_view sql) {
    return sql.size() > 80 ? std::string(sql.substr(0, 77)) + "..." : std::string(sql);
}

}  // namespace

const SqlDialect& Connection::dialect() const {
    return kDialect;
}

Result<SqlRows> Connection::execute(std::string_view sql, std::span<const SqlParam> params) {
    // Every value in text format, as libpq takes it: NULL, or a C string.
    std::vector<std::optional<std::string>> texts;
    texts.reserve(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
        if (const auto* number = std::get_if<int64_t>(&params[i])) {
            texts.emplace_back(std::to_string(*number));
        } else if (const auto* text = std::get_if<std::string_view>(&params[i])) {
            // A NUL would silently cut the value short, and PostgreSQL's
            // text cannot hold one anyway.
            if (text->find('\0') != std::string_view::npos)
                return fail("pgsql: $" + std::to_string(i + 1) + " of \"" + shortened(sql) +
                            "\" contains a NUL byte");
            texts.emplace_back(std::string(*text));
        } else {
            texts.emplace_back(std::nullopt);
        }
    }
    std::vector<const char*> values;
    values.reserve(texts.size());
    for (const auto& t : texts) values.push_back(t ? t->c_str() : nullptr);
    auto it = prepared_.find(std::string(sql));
    if (it == prepared_.end()) {
        std::string name = "jng-" + std::to_string(prepared_.size() + 1);
        const std::string text(sql);
        ResultPtr r(PQprepare(conn_.get(), name.c_str(), text.c_str(), 0, nullptr));
        auto prepared = check(std::move(r), "preparing \"" + shortened(sql) + "\"");
        if (!prepared) return prepared.error();
        it = prepared_.emplace(text, std::move(name)).first;
    }
    ResultPtr r(PQexecPrepared(conn_.get(), it->second.c_str(), static_cast<int>(values.size()),
                               values.data(), nullptr, nullptr, 0));
    return check(std::move(r), "executing \"" + shortened(sql) + "\"");
}

Status Connection::exec(std::string_view sql) {
    const std::string text(sql);
    ResultPtr r(PQexec(conn_.get(), text.c_str()));
    auto rows = check(std::move(r), "executing \"" + shortened(sql) + "\"");
    if (!rows) return rows.error();
    return {};
}

Status Connection::lock(int32_t space, std::string_view key) {
    auto r = query("SELECT pg_advisory_xact_lock($1, hashtext($2))", int64_t{space}, key);
    if (!r) return r.error();
    return {};
}

bool Connection::healthy() const {
    return !broken_ && PQstatus(conn_.get()) == CONNECTION_OK;
}

void Connection::rollback(int depth) {
    // Nothing to undo when the server has no transaction open (it ended
    // with the connection, say).
    if (PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) return;
    if (depth == 1) {
        (void)exec("ROLLBACK");
    } else {
        std::string name = "\"jng-" + std::to_string(depth) + "\"";
        (void)exec("ROLLBACK TO SAVEPOINT " + name + "; RELEASE SAVEPOINT " + name);
    }
}

Status Connection::transaction(Mode mode, const std::function<Status()>& body) {
    int depth = depth_ + 1;
    std::string savepoint = "\"jng-" + std::to_string(depth) + "\"";
    Status begun = depth == 1 ? exec(mode == Mode::kWrite
                                         ? "BEGIN"
                                         : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                              : exec("SAVEPOINT " + savepoint);
    if (!begun) return begun;
    depth_ = depth;

    Status result;
    try {
        result = body();
    } catch (...) {
        rollback(depth);
        depth_ = depth - 1;
        throw;
    }
    if (result && PQtransactionStatus(conn_.get()) == PQTRANS_INERROR)
        // A statement failed and the body went on regardless: COMMIT would
        // quietly roll back, so say so instead.
        result = fail("pgsql: the transaction was aborted by an earlier error");
    if (result) {
        if (depth == 1) {
            ResultPtr r(PQexec(conn_.get(), "COMMIT"));
            auto committed = check(std::move(r), "committing");
            if (!committed)
                result = committed.error();
        } else {
            result = exec("RELEASE SAVEPOINT " + savepoint);
        }
    }
    if (!result) rollback(depth);
    depth_ = depth - 1;
    return result;
}

std::vector<std::string> Connection::prepared_sql() const {
    std::vector<std::string> out;
    out.reserve(prepared_.size());
    for (const auto& [sql, name] : prepared_) out.push_back(sql);
    return out;
}

std::string describe(std::string_view conninfo) {
    char* err = nullptr;
    ConninfoPtr options(PQconninfoParse(std::string(conninfo).c_str(), &err));
    if (err) PQfreemem(err);
    if (!options) return "(a conninfo libpq cannot parse)";
    std::string out;
    for (std::string_view key : {"host", "hostaddr", "port", "dbname", "user"}) {
        for (const PQconninfoOption* o = options.get(); o->keyword; ++o) {
            if (key != o->keyword || !o->val || !*o->val) continue;
            if (!out.empty()) out += ' ';
            out += std::string(key) + "=" + o->val;
        }
    }
    return out.empty() ? "(libpq defaults)" : out;
}

}  // namespace jng::storage::pgsql
