// The drivers the storage contract suite runs against, each on a fresh empty
// database, with the raw access tests need to look behind a driver's back.
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "driver.hpp"
#include "pgsql/connection.hpp"
#include "pgsql/pgsql_driver.hpp"
#include "sqlite/connection.hpp"
#include "sqlite/sqlite_driver.hpp"

namespace jng::storage::test {

using Row = std::vector<std::optional<std::string>>;

// The value refuse_insert() makes the database refuse.
inline constexpr std::string_view kRefused = "refused-by-test";
inline constexpr std::string_view kRefusedGroup = kRefused;

// One database under test. Everything a test needs that the Driver interface
// does not offer (and must not: it would be a way around the typed stores)
// is here, implemented per driver.
class Backend {
public:
    virtual ~Backend() = default;
    // The driver's name, as Driver::name() gives it.
    virtual std::string name() const = 0;
    // Connections to this backend's database, as a daemon opens them: the
    // schema is at this build's version (SQLite migrates on connect; for
    // PostgreSQL the backend has run the migrations, as `jabberdctl db init`
    // would, before handing out the first factory).
    virtual std::unique_ptr<DriverFactory> factory() = 0;
    // Connections that take the schema as they find it (SchemaPolicy::kAsIs,
    // as jabberdctl's db commands do): on a fresh backend, an empty database.
    virtual std::unique_ptr<DriverFactory> admin_factory() = 0;
    // A factory whose connect() fails.
    virtual std::unique_ptr<DriverFactory> unreachable() = 0;
    // Raw SQL with $N text parameters; every value comes back as text or NULL.
    virtual std::vector<Row> sql(std::string_view text, std::vector<std::string> params = {}) = 0;
    // Per the database's own catalog: the tables with a "collection-owner"
    // column, whether it holds a user (kOwnerKeyedTables) or a domain
    // (kDomainKeyedTables).
    virtual std::vector<std::string> collection_owner_tables() = 0;
    // From now on the database refuses to insert a row into `table` whose
    // `column` is kRefused: a failure in the middle of a driver's work.
    virtual void refuse_insert(std::string_view table, std::string_view column) = 0;
    // From now on the database refuses to insert the roster group kRefusedGroup.
    void refuse_group() { refuse_insert("roster-groups", "group"); }
};

// A directory that is removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "jng-storage-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// The SQLite driver behind a Driver made by an SQLite backend.
inline sqlite::SqliteDriver& as_sqlite(Driver& d) {
    return dynamic_cast<sqlite::SqliteDriver&>(d);
}

// Raw SQLite access with the bare C API, independent of the driver's code.
inline std::vector<Row> sqlite_exec(const std::string& path, std::string_view text,
                                    const std::vector<std::string>& params = {}) {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    sqlite::DatabasePtr db(raw);
    REQUIRE(rc == SQLITE_OK);
    sqlite3_busy_timeout(db.get(), 5000);
    sqlite3_stmt* s = nullptr;
    rc = sqlite3_prepare_v2(db.get(), text.data(), static_cast<int>(text.size()), &s, nullptr);
    sqlite::StatementPtr stmt(s);
    INFO(sqlite3_errmsg(db.get()));
    REQUIRE(rc == SQLITE_OK);
    for (size_t i = 0; i < params.size(); ++i) {
        std::string name = "$" + std::to_string(i + 1);
        int index = sqlite3_bind_parameter_index(stmt.get(), name.c_str());
        REQUIRE(index > 0);
        REQUIRE(sqlite3_bind_text(stmt.get(), index, params[i].c_str(),
                                  static_cast<int>(params[i].size()),
                                  SQLITE_TRANSIENT) == SQLITE_OK);
    }
    std::vector<Row> rows;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        Row row;
        for (int c = 0; c < sqlite3_column_count(stmt.get()); ++c) {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), c));
            if (p)
                row.emplace_back(std::string(p, sqlite3_column_bytes(stmt.get(), c)));
            else
                row.emplace_back(std::nullopt);
        }
        rows.push_back(std::move(row));
    }
    INFO(sqlite3_errmsg(db.get()));
    REQUIRE(rc == SQLITE_DONE);
    return rows;
}

class SqliteBackend final : public Backend {
public:
    SqliteBackend() : path_((dir_.path() / "var" / "jabberd-ng.db").string()) {}

    std::string name() const override { return "sqlite"; }
    const std::string& path() const { return path_; }

    std::unique_ptr<DriverFactory> factory() override {
        auto f = sqlite::make_factory(path_);
        REQUIRE(f.ok());
        return std::move(*f);
    }
    std::unique_ptr<DriverFactory> admin_factory() override {
        sqlite::Options options;
        options.schema = SchemaPolicy::kAsIs;
        auto f = sqlite::make_factory(path_, options);
        REQUIRE(f.ok());
        return std::move(*f);
    }
    std::unique_ptr<DriverFactory> unreachable() override {
        // The "directory" the file would go in is a regular file.
        auto blocker = dir_.path() / "not-a-directory";
        std::ofstream(blocker) << "x";
        auto f = sqlite::make_factory((blocker / "jabberd-ng.db").string());
        REQUIRE(f.ok());
        return std::move(*f);
    }
    std::vector<Row> sql(std::string_view text, std::vector<std::string> params = {}) override {
        return sqlite_exec(path_, text, params);
    }
    std::vector<std::string> collection_owner_tables() override {
        std::vector<std::string> out;
        for (auto& row : sql("SELECT m.name FROM sqlite_master AS m"
                             " JOIN pragma_table_info(m.name) AS c"
                             " WHERE m.type = 'table' AND c.name = 'collection-owner'"
                             " ORDER BY m.name"))
            out.push_back(row.at(0).value());
        return out;
    }
    void refuse_insert(std::string_view table, std::string_view column) override {
        // Only the tests' own constants go into the text: DDL takes no parameters.
        const std::string t(table), c(column);
        sql("CREATE TRIGGER \"test-refuse-" + t + "-" + c + "\" BEFORE INSERT ON \"" + t +
            "\" WHEN NEW.\"" + c + "\" = '" + std::string(kRefused) +
            "' BEGIN SELECT RAISE(ABORT, 'refused by test'); END");
    }

private:
    TempDir dir_;
    std::string path_;
};

// The PostgreSQL server the test run was given (JNG_TEST_PGSQL, a libpq
// conninfo in key=value form), or empty.
inline std::string pgsql_test_conninfo() {
    const char* conninfo = std::getenv("JNG_TEST_PGSQL");
    return conninfo ? conninfo : "";
}

// True when running under CI, where a backend or a test that cannot run must
// fail rather than skip.
inline bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci && std::string_view(ci) == "true";
}

// Raw SQL on a libpq connection, independent of the driver's code: $N text
// parameters, every value back as text or NULL.
inline std::vector<Row> pgsql_exec(PGconn* conn, std::string_view text,
                                   const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    pgsql::ResultPtr r(PQexecParams(conn, std::string(text).c_str(),
                                    static_cast<int>(params.size()), nullptr, values.data(),
                                    nullptr, nullptr, 0));
    INFO(text);
    INFO(PQerrorMessage(conn));
    REQUIRE(r);
    REQUIRE((PQresultStatus(r.get()) == PGRES_COMMAND_OK ||
             PQresultStatus(r.get()) == PGRES_TUPLES_OK));
    std::vector<Row> rows;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
        Row row;
        for (int c = 0; c < PQnfields(r.get()); ++c) {
            if (PQgetisnull(r.get(), i, c))
                row.emplace_back(std::nullopt);
            else
                row.emplace_back(std::string(PQgetvalue(r.get(), i, c),
                                             static_cast<size_t>(PQgetlength(r.get(), i, c))));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

inline pgsql::ConnectionPtr pgsql_connect(const std::string& conninfo) {
    pgsql::ConnectionPtr conn(PQconnectdb(conninfo.c_str()));
    REQUIRE(conn);
    INFO(PQerrorMessage(conn.get()));
    REQUIRE(PQstatus(conn.get()) == CONNECTION_OK);
    PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
    return conn;
}

// A fresh schema of its own in the server JNG_TEST_PGSQL names, dropped with
// everything in it at the end: the driver finds it first on its search_path
// (set through the conninfo's options, as an administrator would to give
// jabberd-ng a schema of its own).
class PgsqlBackend final : public Backend {
public:
    PgsqlBackend() : PgsqlBackend(pgsql_test_conninfo()) {}
    explicit PgsqlBackend(std::string server) : server_(std::move(server)) {
        static std::atomic<int> counter = 0;
        std::random_device random;
        schema_ = "jng_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) +
                  "_" + std::to_string(random() % 1000000);
        conninfo_ = server_ + " options='-c search_path=" + schema_ + "'";
        raw_ = pgsql_connect(server_);
        pgsql_exec(raw_.get(), "CREATE SCHEMA " + schema_);
        pgsql_exec(raw_.get(), "SET search_path = " + schema_);
    }
    ~PgsqlBackend() override {
        // Every connection the test opened is gone by now; the schema goes.
        revive();
        pgsql::ResultPtr r(PQexec(raw_.get(), ("DROP SCHEMA " + schema_ + " CASCADE").c_str()));
    }

    std::string name() const override { return "pgsql"; }
    const std::string& conninfo() const { return conninfo_; }
    const std::string& schema() const { return schema_; }

    // A factory on this backend's schema with `options` (conninfo set here).
    std::unique_ptr<DriverFactory> make(pgsql::Options options) {
        options.settings.conninfo = conninfo_;
        auto f = pgsql::make_factory(std::move(options));
        INFO((f.ok() ? std::string() : f.message()));
        REQUIRE(f.ok());
        return std::move(*f);
    }

    std::unique_ptr<DriverFactory> factory() override {
        if (!migrated_) {
            auto admin = admin_factory();
            auto d = admin->connect();
            INFO((d.ok() ? std::string() : d.message()));
            REQUIRE(d.ok());
            auto s = (*d)->migrate();
            INFO((s.ok() ? std::string() : s.message()));
            REQUIRE(s.ok());
            migrated_ = true;
        }
        return make({});
    }
    std::unique_ptr<DriverFactory> admin_factory() override {
        pgsql::Options options;
        options.schema = SchemaPolicy::kAsIs;
        return make(std::move(options));
    }
    std::unique_ptr<DriverFactory> unreachable() override {
        // A socket directory that does not exist: refused at once.
        pgsql::Options options;
        options.settings.conninfo = "host=/nonexistent/jng-test port=1 dbname=jng";
        auto f = pgsql::make_factory(std::move(options));
        REQUIRE(f.ok());
        return std::move(*f);
    }
    std::vector<Row> sql(std::string_view text, std::vector<std::string> params = {}) override {
        revive();
        return pgsql_exec(raw_.get(), text, params);
    }
    std::vector<std::string> collection_owner_tables() override {
        std::vector<std::string> out;
        for (auto& row : sql("SELECT table_name::text FROM information_schema.columns"
                             " WHERE table_schema = current_schema()"
                             " AND column_name = 'collection-owner'"
                             " ORDER BY table_name::text COLLATE \"C\""))
            out.push_back(row.at(0).value());
        return out;
    }
    void refuse_insert(std::string_view table, std::string_view column) override {
        // PostgreSQL's triggers call a function; plpgsql raises the error.
        // Only the tests' own constants go into the text: DDL takes no parameters.
        const std::string t(table), c(column);
        sql("CREATE OR REPLACE FUNCTION \"test-refuse\"() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$");
        sql("CREATE TRIGGER \"test-refuse-" + t + "-" + c + "\" BEFORE INSERT ON \"" + t +
            "\" FOR EACH ROW WHEN (NEW.\"" + c + "\" = '" + std::string(kRefused) +
            "') EXECUTE FUNCTION \"test-refuse\"()");
    }

private:
    // A test that restarts the server ends this connection too.
    void revive() {
        // A statement tells whether the server is still there.
        pgsql::ResultPtr probe(PQexec(raw_.get(), "SELECT 1"));
        if (PQstatus(raw_.get()) == CONNECTION_OK) return;
        raw_ = pgsql_connect(server_);
        pgsql_exec(raw_.get(), "SET search_path = " + schema_);
    }

    std::string server_;
    std::string schema_;
    std::string conninfo_;
    pgsql::ConnectionPtr raw_;
    bool migrated_ = false;
};

struct BackendSpec {
    std::string name;
    std::function<std::unique_ptr<Backend>()> make;  // a fresh, empty database
};

// Every driver this test run can reach. A driver that needs a server adds
// its entry only when the environment names one.
inline std::vector<BackendSpec> backends() {
    std::vector<BackendSpec> out;
    out.push_back({"sqlite", [] { return std::unique_ptr<Backend>(new SqliteBackend()); }});
    if (!pgsql_test_conninfo().empty()) {
        out.push_back({"pgsql", [] { return std::unique_ptr<Backend>(new PgsqlBackend()); }});
    } else if (in_ci()) {
        // CI must not pass with the PostgreSQL half of the contract unrun.
        out.push_back({"pgsql", []() -> std::unique_ptr<Backend> {
                           FAIL("CI=true but JNG_TEST_PGSQL is not set: tools/test starts a "
                                "PostgreSQL server and exports its conninfo");
                           return nullptr;
                       }});
    }
    return out;
}

// Runs `test` once per backend, each in its own Catch section on a fresh
// database, so a failure names the driver.
inline void for_each_backend(const std::function<void(Backend&)>& test) {
    for (const auto& spec : backends()) {
        SECTION(spec.name) {
            auto backend = spec.make();
            test(*backend);
        }
    }
}

// Connects or fails the test.
inline std::unique_ptr<Driver> connect(DriverFactory& factory) {
    auto d = factory.connect();
    INFO((d.ok() ? std::string() : d.message()));
    REQUIRE(d.ok());
    return std::move(*d);
}

// The driver's MUC store, or fails the test.
inline MucStore& muc_of(Driver& d) {
    auto store = d.muc();
    INFO((store.ok() ? std::string() : store.message()));
    REQUIRE(store.ok());
    return **store;
}

// Fails the test with the error's message when `r` is an error.
template <class R>
void require_ok(const R& r) {
    INFO((r.ok() ? std::string() : r.message()));
    REQUIRE(r.ok());
}

// Plausible SCRAM credentials, distinct per `seed`.
inline ScramCredential credential(sasl::Hash hash, char seed, int iterations = 4096) {
    size_t hex = hash == sasl::Hash::kSha1 ? 40 : 64;
    ScramCredential c;
    c.iterations = iterations;
    c.salt = "c2FsdC" + std::string(1, seed) + "=";  // base64; `seed` is a hex digit
    c.stored_key = std::string(hex, seed);
    c.server_key = std::string(hex - 1, seed) + 'f';
    return c;
}

inline AuthRecord account(std::string username, std::string realm, char seed = 'a') {
    AuthRecord r;
    r.username = std::move(username);
    r.realm = std::move(realm);
    r.sha1 = credential(sasl::Hash::kSha1, seed);
    r.sha256 = credential(sasl::Hash::kSha256, seed);
    return r;
}

}  // namespace jng::storage::test
