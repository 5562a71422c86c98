// SQLite handles, statement cache, binding, fetched rows and transactions:
// the only file of the driver that speaks the C API beyond the deleters.
#include "sqlite/connection.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>

namespace jng::storage::sqlite {

bool is_fatal(int rc) {
    switch (rc & 0xff) {
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_NOMEM:
        case SQLITE_MISUSE:
        case SQLITE_PROTOCOL:
            return true;
        default:
            return false;
    }
}

// ---- Query -----------------------------------------------------------------

Query::Query(Connection& connection, sqlite3_stmt* stmt, StatementPtr owned, bool* in_use)
    : connection_(&connection), stmt_(stmt), owned_(std::move(owned)), in_use_(in_use) {}

Query::Query(Query&& other) noexcept
    : connection_(other.connection_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      owned_(std::move(other.owned_)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      bind_rc_(other.bind_rc_),
      bind_param_(other.bind_param_) {}

Query::~Query() {
    if (!stmt_) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    if (in_use_) *in_use_ = false;
}

std::string_view Query::sql() const {
    const char* s = sqlite3_sql(stmt_);
    return s ? std::string_view(s) : std::string_view();
}

int Query::index(int n) {
    // Bound by name, as PostgreSQL numbers them: "$2" may come before "$1"
    // in the text, or appear twice.
    std::string name = "$" + std::to_string(n);
    int i = sqlite3_bind_parameter_index(stmt_, name.c_str());
    if (i == 0 && bind_rc_ == SQLITE_OK) {
        bind_rc_ = SQLITE_RANGE;
        bind_param_ = n;
    }
    return i;
}

Query& Query::bind(int n, std::string_view text) {
    int i = index(n);
    if (i == 0) return *this;
    // SQLITE_TRANSIENT: SQLite copies, so a temporary argument is safe.
    int rc = sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) {
        bind_rc_ = rc;
        bind_param_ = n;
    }
    return *this;
}

Query& Query::bind(int n, int64_t value) {
    int i = index(n);
    if (i == 0) return *this;
    int rc = sqlite3_bind_int64(stmt_, i, value);
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) {
        bind_rc_ = rc;
        bind_param_ = n;
    }
    return *this;
}

Query& Query::bind_null(int n) {
    int i = index(n);
    if (i == 0) return *this;
    int rc = sqlite3_bind_null(stmt_, i);
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) {
        bind_rc_ = rc;
        bind_param_ = n;
    }
    return *this;
}

Result<bool> Query::next() {
    if (bind_rc_ != SQLITE_OK)
        return fail("sqlite: cannot bind $" + std::to_string(bind_param_) + " of \"" +
                    std::string(sql()) + "\": " + sqlite3_errstr(bind_rc_));
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return connection_->error("executing \"" + std::string(sql()) + "\"", rc);
}

Status Query::run() {
    for (;;) {
        auto row = next();
        if (!row) return row.error();
        if (!*row) return {};
    }
}

Error Query::column_error(int column, std::string_view expected) const {
    const char* name = sqlite3_column_name(stmt_, column);
    const char* table = sqlite3_column_table_name(stmt_, column);
    return fail("corrupt row in \"" + std::string(table ? table : "?") + "\": \"" +
                std::string(name ? name : "?") + "\" is not " + std::string(expected));
}

bool Query::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Result<int64_t> Query::integer(int column) const {
    if (sqlite3_column_type(stmt_, column) != SQLITE_INTEGER)
        return column_error(column, "an integer");
    return static_cast<int64_t>(sqlite3_column_int64(stmt_, column));
}

Result<std::string> Query::text(int column) const {
    if (sqlite3_column_type(stmt_, column) != SQLITE_TEXT) return column_error(column, "text");
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    int n = sqlite3_column_bytes(stmt_, column);
    return p ? std::string(p, static_cast<size_t>(n)) : std::string();
}

Result<std::optional<std::string>> Query::optional_text(int column) const {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::optional<std::string>();
    auto t = text(column);
    if (!t) return t.error();
    return std::optional<std::string>(std::move(*t));
}

// ---- FetchedRows -----------------------------------------------------------

namespace {

// The rows of one statement, copied out as SQLite typed each value: the
// checks happen when a store reads a column, as they did on the statement.
class FetchedRows final : public SqlResult {
public:
    // Copies the current row of `stmt`; the first row also records the
    // column and table names the error messages use.
    void add_row(sqlite3_stmt* stmt) {
        const int n = sqlite3_column_count(stmt);
        if (names_.empty()) {
            columns_ = n;
            for (int c = 0; c < n; ++c) {
                const char* name = sqlite3_column_name(stmt, c);
                const char* table = sqlite3_column_table_name(stmt, c);
                names_.emplace_back(name ? name : "?");
                tables_.emplace_back(table ? table : "?");
            }
        }
        for (int c = 0; c < n; ++c) {
            Cell cell;
            cell.type = sqlite3_column_type(stmt, c);
            if (cell.type == SQLITE_INTEGER) {
                cell.integer = sqlite3_column_int64(stmt, c);
            } else if (cell.type == SQLITE_TEXT) {
                const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
                int bytes = sqlite3_column_bytes(stmt, c);
                if (p) cell.text.assign(p, static_cast<size_t>(bytes));
            }
            cells_.push_back(std::move(cell));
        }
        ++rows_;
    }
    void set_affected(int64_t n) { affected_ = n; }

    size_t size() const override { return rows_; }
    int64_t affected() const override { return affected_; }
    bool is_null(size_t row, int column) const override {
        return cell(row, column).type == SQLITE_NULL;
    }
    Result<int64_t> integer(size_t row, int column) const override {
        const Cell& c = cell(row, column);
        if (c.type != SQLITE_INTEGER) return column_error(column, "an integer");
        return c.integer;
    }
    Result<std::string> text(size_t row, int column) const override {
        const Cell& c = cell(row, column);
        if (c.type != SQLITE_TEXT) return column_error(column, "text");
        return c.text;
    }

private:
    struct Cell {
        int type = SQLITE_NULL;
        int64_t integer = 0;
        std::string text;
    };
    const Cell& cell(size_t row, int column) const {
        return cells_.at(row * static_cast<size_t>(columns_) + static_cast<size_t>(column));
    }
    Error column_error(int column, std::string_view expected) const {
        const auto i = static_cast<size_t>(column);
        return fail("corrupt row in \"" + tables_.at(i) + "\": \"" + names_.at(i) + "\" is not " +
                    std::string(expected));
    }

    int columns_ = 0;
    size_t rows_ = 0;
    std::vector<Cell> cells_;  // row by row
    std::vector<std::string> names_, tables_;
    int64_t affected_ = 0;
};

constexpr SqlDialect kDialect{"sqlite", ""};

}  // namespace

// ---- Connection ------------------------------------------------------------

namespace {

// Creates the database file with owner/group-only permissions before SQLite
// opens it: it holds SCRAM keys. SQLite gives its -wal and -shm files the
// permissions of the database file.
Status create_file(const std::string& path) {
    std::filesystem::path p(path);
    if (p.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(p.parent_path(), ec);
        if (ec)
            return fail("sqlite: cannot create directory " + p.parent_path().string() + ": " +
                        ec.message());
    }
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return fail("sqlite: cannot open " + path + ": " + std::strerror(errno));
    ::close(fd);
    return {};
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path,
                                                     std::chrono::milliseconds busy_timeout) {
    if (path.empty()) return fail("sqlite: no database path");
    if (auto s = create_file(path); !s) return s.error();

    sqlite3* raw = nullptr;
    // NOMUTEX: a connection is used by one thread at a time (one per worker).
    int rc =
        sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    DatabasePtr db(raw);  // sqlite3_open_v2 may hand back a handle even on failure
    if (rc != SQLITE_OK) {
        std::string message = db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc);
        return fail("sqlite: cannot open " + path + ": " + message);
    }
    std::unique_ptr<Connection> c(new Connection(std::move(db), path));
    if (auto s = c->configure(busy_timeout); !s) return s.error();
    return c;
}

Status Connection::configure(std::chrono::milliseconds busy_timeout) {
    sqlite3* db = db_.get();
    sqlite3_extended_result_codes(db, 1);
    // First, so that the pragmas below wait for other processes too.
    sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
    // No writes to sqlite_master through SQL, even by mistake.
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);

    if (auto s = exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"); !s) return s;

    // WAL lets c2s, sm and jabberdctl read while one of them writes. The mode
    // is stored in the file; asking again is free once it is set. Switching
    // needs the file to itself, and SQLite does not call the busy handler for
    // that lock when processes start together: retry within the timeout.
    const auto deadline = std::chrono::steady_clock::now() + busy_timeout;
    auto mode = enable_wal();
    while (!mode && (last_error_ & 0xff) == SQLITE_BUSY &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        mode = enable_wal();
    }
    if (!mode) return mode.error();
    if (*mode != "wal")
        return fail("sqlite: " + path_ + " cannot use WAL (journal mode is '" + *mode +
                    "'); is it on a network file system?");
    return {};
}

Result<std::string> Connection::enable_wal() {
    auto q = prepare("PRAGMA journal_mode = WAL", false);
    if (!q) return q.error();
    auto row = q->next();
    if (!row) return row.error();
    if (!*row) return fail("sqlite: " + path_ + ": journal_mode gave no answer");
    return q->text(0);
}

Connection::~Connection() = default;

Error Connection::error(std::string_view what, int rc) {
    if (is_fatal(rc)) broken_ = true;
    last_error_ = rc;
    std::string message = "sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db_.get());
    // errmsg belongs to the last call on the handle; the code is the truth.
    message += " (" + std::string(sqlite3_errstr(rc)) + ", " + std::to_string(rc) + ")";
    return fail(std::move(message));
}

Result<Query> Connection::prepare(std::string_view sql, bool cache) {
    if (!cache) return prepare_private(sql);
    std::string key(sql);
    auto it = cache_.find(key);
    if (it == cache_.end()) {
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
        StatementPtr stmt(raw);
        if (rc != SQLITE_OK) return error("preparing \"" + key + "\"", rc);
        if (!stmt) return fail("sqlite: \"" + key + "\" holds no statement");
        auto entry = std::make_unique<Cached>();
        entry->stmt = std::move(stmt);
        it = cache_.emplace(std::move(key), std::move(entry)).first;
    }
    Cached& entry = *it->second;
    if (!entry.in_use) {
        entry.in_use = true;
        return Query(*this, entry.stmt.get(), nullptr, &entry.in_use);
    }
    // The same statement is already mid-use higher up the stack: use a
    // private copy rather than resetting the caller's.
    return prepare_private(sql);
}

Result<Query> Connection::prepare_private(std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    StatementPtr stmt(raw);
    if (rc != SQLITE_OK) return error("preparing \"" + std::string(sql) + "\"", rc);
    if (!stmt) return fail("sqlite: \"" + std::string(sql) + "\" holds no statement");
    sqlite3_stmt* s = stmt.get();
    return Query(*this, s, std::move(stmt), nullptr);
}

const SqlDialect& Connection::dialect() const {
    return kDialect;
}

Result<SqlRows> Connection::execute(std::string_view sql, std::span<const SqlParam> params) {
    auto q = prepare(sql);
    if (!q) return q.error();
    for (size_t i = 0; i < params.size(); ++i) {
        const int n = static_cast<int>(i + 1);
        std::visit(
            [&](const auto& value) {
                if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::monostate>)
                    q->bind_null(n);
                else
                    q->bind(n, value);
            },
            params[i]);
    }
    auto rows = std::make_unique<FetchedRows>();
    for (;;) {
        auto row = q->next();
        if (!row) return row.error();
        if (!*row) break;
        rows->add_row(q->stmt_);
    }
    // Counted only for statements that write: sqlite3_changes64 would
    // otherwise report an earlier statement's rows.
    if (!sqlite3_stmt_readonly(q->stmt_)) rows->set_affected(changes());
    return SqlRows(std::move(rows));
}

Status Connection::lock(int32_t, std::string_view) {
    return {};
}

Status Connection::exec(std::string_view sql) {
    std::string text(sql);  // sqlite3_exec wants a terminated string
    char* message = nullptr;
    int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
    std::unique_ptr<char, decltype(&sqlite3_free)> owned(message, &sqlite3_free);
    if (rc == SQLITE_OK) return {};
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return error("executing \"" + text + "\"", rc);
}

void Connection::rollback(int depth) {
    // SQLite rolls the whole transaction back by itself after some errors
    // (SQLITE_FULL, I/O errors); then there is nothing left to undo.
    if (sqlite3_get_autocommit(db_.get())) return;
    if (depth == 1) {
        (void)exec("ROLLBACK");
    } else {
        std::string name = "\"jng-" + std::to_string(depth) + "\"";
        (void)exec("ROLLBACK TO " + name + "; RELEASE " + name);
    }
}

Status Connection::transaction(Mode mode, const std::function<Status()>& body) {
    int depth = depth_ + 1;
    std::string savepoint = "\"jng-" + std::to_string(depth) + "\"";
    Status begun = depth == 1 ? exec(mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN")
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
    if (result) {
        result = depth == 1 ? exec("COMMIT") : exec("RELEASE " + savepoint);
    }
    if (!result) rollback(depth);
    depth_ = depth - 1;
    return result;
}

int64_t Connection::changes() const {
    return sqlite3_changes64(db_.get());
}

std::vector<std::string> Connection::cached_sql() const {
    std::vector<std::string> out;
    out.reserve(cache_.size());
    for (const auto& [sql, entry] : cache_) out.push_back(sql);
    return out;
}

}  // namespace jng::storage::sqlite
