// The drivers the storage contract suite runs against, each on a fresh empty
// database, with the raw access tests need to look behind a driver's back.
#pragma once

#include <sqlite3.h>
#include <stdlib.h>

#include <catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver.hpp"
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
    // Connections to this backend's database.
    virtual std::unique_ptr<DriverFactory> factory() = 0;
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

struct BackendSpec {
    std::string name;
    std::function<std::unique_ptr<Backend>()> make;  // a fresh, empty database
};

// Every driver this test run can reach. A driver that needs a server adds
// its entry only when the environment names one.
inline std::vector<BackendSpec> backends() {
    std::vector<BackendSpec> out;
    out.push_back({"sqlite", [] { return std::unique_ptr<Backend>(new SqliteBackend()); }});
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
