// What is specific to the SQLite driver: the file it creates, the settings
// every process sharing it relies on, index use, type confusion in rows, and
// the behaviour of several processes on one file.
#include <sys/stat.h>

#include <catch.hpp>
#include <fstream>
#include <future>

#include "schema.hpp"
#include "storage_backends.hpp"

using namespace jng;
using namespace jng::storage;
using namespace jng::storage::test;

namespace {

// The first column of the first row of `sql` on the driver's own connection.
std::string pragma(Driver& d, std::string_view sql) {
    auto q = as_sqlite(d).connection().prepare(sql, false);
    REQUIRE(q.ok());
    auto row = q->next();
    REQUIRE(row.ok());
    REQUIRE(*row);
    if (auto i = q->integer(0); i.ok()) return std::to_string(*i);
    auto t = q->text(0);
    REQUIRE(t.ok());
    return *t;
}

// Exercises every operation, so that every statement gets prepared.
void workload(Driver& d) {
    const std::string owner = "alice@example.com";
    require_ok(d.authreg().create(account("alice", "example.com")));
    require_ok(d.authreg().get("alice", "example.com"));
    require_ok(d.authreg().set_credentials(account("alice", "example.com", 'b')));
    require_ok(d.authreg().list("example.com"));
    RosterItem item;
    item.jid = "bob@example.com";
    item.groups = {"Friends"};
    require_ok(d.roster().put(owner, item));
    require_ok(d.roster().get(owner, item.jid));
    require_ok(d.roster().items(owner));
    require_ok(d.roster().remove(owner, item.jid));
    auto seq = d.queue().push(owner, "<message/>");
    require_ok(seq);
    require_ok(d.queue().items(owner));
    require_ok(d.queue().count(owner));
    require_ok(d.queue().remove_upto(owner, *seq));

    PrivacyItem rule;
    rule.type = PrivacyItem::Type::kJid;
    rule.value = "bob@example.com";
    rule.order = 1;
    require_ok(d.privacy().put(owner, PrivacyList{"work", {rule}}));
    require_ok(d.privacy().set_default(owner, "work"));
    require_ok(d.privacy().default_list(owner));
    require_ok(d.privacy().list(owner, "work"));
    require_ok(d.privacy().lists(owner));
    require_ok(d.privacy().remove(owner, "work"));
    require_ok(d.privacy().set_default(owner, std::nullopt));
    require_ok(d.vcard().put(owner, "<vCard xmlns='vcard-temp'/>"));
    require_ok(d.vcard().get(owner));
    require_ok(d.vcard().remove(owner));
    require_ok(d.private_xml().put(owner, "storage:bookmarks", "<storage/>"));
    require_ok(d.private_xml().get(owner, "storage:bookmarks"));
    require_ok(d.last().set(owner, LastLogout{1, "bye"}));
    require_ok(d.last().get(owner));
    require_ok(d.active().set_if_absent(owner, 1));
    require_ok(d.active().get(owner));
    require_ok(d.announce().set_motd("example.com", Motd{"<message/>", 1}));
    require_ok(d.announce().motd("example.com"));
    require_ok(d.announce().remove_motd("example.com"));
    require_ok(d.announce().set_last_seen(owner, 1));
    require_ok(d.announce().last_seen(owner));
    require_ok(d.vacation().set(owner, Vacation{0, 0, "away"}));
    require_ok(d.vacation().get(owner));
    require_ok(d.vacation().remove(owner));
    require_ok(d.disco_items().put("example.com", DiscoItem{"news.example.com", "News", ""}));
    require_ok(d.disco_items().items("example.com"));
    require_ok(d.disco_items().remove("example.com", "news.example.com", ""));

    require_ok(d.remove_user("alice", "example.com"));
}

}  // namespace

TEST_CASE("sqlite: the file and its directory are created on first connect", "[storage][sqlite]") {
    TempDir dir;
    const auto path = dir.path() / "var" / "lib" / "jabberd-ng.db";
    auto factory = sqlite::make_factory(path.string());
    REQUIRE(factory.ok());
    CHECK((*factory)->describe() == "sqlite " + path.string());
    CHECK_FALSE(std::filesystem::exists(path));  // nothing is opened before connect()

    auto d = connect(**factory);
    REQUIRE(std::filesystem::exists(path));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0007) == 0);  // it holds SCRAM keys: no access for others

    CHECK_FALSE(sqlite::make_factory("").ok());
}

TEST_CASE("sqlite: connections use WAL, foreign keys and a busy timeout", "[storage][sqlite]") {
    SqliteBackend backend;
    auto d = connect(*backend.factory());
    CHECK(pragma(*d, "PRAGMA journal_mode") == "wal");
    CHECK(pragma(*d, "PRAGMA foreign_keys") == "1");
    CHECK(pragma(*d, "PRAGMA synchronous") == "1");  // NORMAL
    CHECK(pragma(*d, "PRAGMA busy_timeout") == "5000");
    // WAL is a property of the file: another process sees it too.
    CHECK(backend.sql("PRAGMA journal_mode").at(0).at(0) == "wal");
}

TEST_CASE("sqlite: every statement on the login and delivery paths uses an index",
          "[storage][sqlite]") {
    SqliteBackend backend;
    auto d = connect(*backend.factory());
    workload(*d);

    int checked = 0;
    for (const auto& sql : as_sqlite(*d).connection().cached_sql()) {
        if (sql.rfind("INSERT", 0) == 0 && sql.find("SELECT") == std::string::npos) continue;
        INFO(sql);
        auto plan = backend.sql("EXPLAIN QUERY PLAN " + sql);
        REQUIRE_FALSE(plan.empty());
        for (const auto& row : plan) {
            const std::string detail = row.back().value_or("");
            INFO(detail);
            CHECK(detail.rfind("SCAN", 0) != 0);                     // a full table or index scan
            CHECK(detail.find("TEMP B-TREE") == std::string::npos);  // a sort
        }
        ++checked;
    }
    // Reads and deletes of every collection: authreg get/list/update/delete,
    // roster reads (items joined with their groups) and deletes, queue
    // read/count/delete, privacy lists/list/default/existence and their
    // deletes, the single-row reads and deletes of the other services, and
    // the per-table deletes of remove_user.
    CHECK(checked >= 38);
}

TEST_CASE("sqlite: values of the wrong type in a row are errors", "[storage][sqlite]") {
    SqliteBackend backend;
    auto d = connect(*backend.factory());
    const std::string owner = "alice@example.com";
    require_ok(d->authreg().create(account("alice", "example.com")));
    RosterItem bob;
    bob.jid = "bob@example.com";
    require_ok(d->roster().put(owner, bob));
    require_ok(d->queue().push(owner, "<message/>"));

    // SQLite's column types are affinities: any value fits anywhere.
    backend.sql(R"(UPDATE "authreg" SET "scram-sha1-iterations" = 'many')");
    auto a = d->authreg().get("alice", "example.com");
    REQUIRE_FALSE(a.ok());
    CHECK(a.message().find("scram-sha1-iterations") != std::string::npos);
    CHECK(a.message().find("corrupt") != std::string::npos);

    backend.sql(R"(UPDATE "roster-items" SET "hidden" = 'yes')");
    CHECK_FALSE(d->roster().items(owner).ok());
    backend.sql(R"(UPDATE "roster-items" SET "hidden" = 0, "jid" = X'626F62')");
    CHECK_FALSE(d->roster().items(owner).ok());

    backend.sql(R"(UPDATE "queue" SET "xml" = X'00')");
    CHECK_FALSE(d->queue().items(owner).ok());
    CHECK(d->healthy());
}

TEST_CASE("sqlite: values of the wrong type in the services' rows are errors",
          "[storage][sqlite]") {
    SqliteBackend backend;
    auto d = connect(*backend.factory());
    const std::string owner = "alice@example.com";
    PrivacyItem rule;
    rule.type = PrivacyItem::Type::kGroup;
    rule.value = "Friends";
    rule.order = 1;
    require_ok(d->privacy().put(owner, PrivacyList{"work", {rule}}));
    require_ok(d->privacy().set_default(owner, "work"));
    require_ok(d->vcard().put(owner, "<vCard xmlns='vcard-temp'/>"));
    require_ok(d->private_xml().put(owner, "storage:bookmarks", "<storage/>"));
    require_ok(d->last().set(owner, LastLogout{10, "bye"}));
    require_ok(d->active().set_if_absent(owner, 5));
    require_ok(d->announce().set_last_seen(owner, 7));
    require_ok(d->announce().set_motd("example.com", Motd{"<message/>", 8}));
    require_ok(d->vacation().set(owner, Vacation{100, 200, "away"}));
    require_ok(d->disco_items().put("example.com", DiscoItem{"news.example.com", "", ""}));

    // SQLite's column types are affinities: a text "order", a blob document
    // or a real time are all accepted on write (a number in a TEXT column
    // becomes text, so blobs stand for the wrong type there).
    struct Damage {
        std::string table, column, bad, good;  // SQL literals
    };
    const std::vector<Damage> damages = {
        {"privacy-items", "order", "'first'", "1"},
        {"privacy-items", "order", "1.5", "1"},
        {"privacy-items", "type", "X'67726F7570'", "'group'"},
        {"privacy-items", "value", "X'467269656E6473'", "'Friends'"},
        {"privacy-items", "deny", "'no'", "1"},
        {"privacy-items", "block", "'all'", "0"},
        {"privacy-default", "default", "X'776F726B'", "'work'"},
        {"vcard", "xml", "X'3C2F3E'", "'<vCard/>'"},
        {"private", "xml", "X'3C782F3E'", "'<storage/>'"},
        {"logout", "time", "'yesterday'", "10"},
        {"logout", "status", "X'00'", "'bye'"},
        {"active", "time", "2.5", "5"},
        {"motd-times", "time", "'noon'", "7"},
        {"motd-message", "time", "'noon'", "8"},
        {"motd-message", "xml", "X'3C6D2F3E'", "'<message/>'"},
        {"vacation-settings", "start", "'monday'", "100"},
        {"vacation-settings", "message", "X'61776179'", "'away'"},
        {"disco-items", "jid", "X'6E'", "'news.example.com'"},
        {"disco-items", "name", "X'4E'", "''"},
    };
    auto read_back = [&](const std::string& table) -> Status {
        auto status = [](const auto& r) -> Status {
            if (!r) return r.error();
            return {};
        };
        if (table == "privacy-items") return status(d->privacy().lists(owner));
        if (table == "privacy-default") return status(d->privacy().default_list(owner));
        if (table == "vcard") return status(d->vcard().get(owner));
        if (table == "private") return status(d->private_xml().get(owner, "storage:bookmarks"));
        if (table == "logout") return status(d->last().get(owner));
        if (table == "active") return status(d->active().get(owner));
        if (table == "motd-times") return status(d->announce().last_seen(owner));
        if (table == "motd-message") return status(d->announce().motd("example.com"));
        if (table == "vacation-settings") return status(d->vacation().get(owner));
        return status(d->disco_items().items("example.com"));
    };
    for (const auto& damage : damages) {
        INFO(damage.table << "." << damage.column << " = " << damage.bad);
        const std::string update =
            "UPDATE \"" + damage.table + "\" SET \"" + damage.column + "\" = ";
        backend.sql(update + damage.bad);
        auto bad = read_back(damage.table);
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.message().find("corrupt") != std::string::npos);
        CHECK(bad.message().find(damage.column) != std::string::npos);
        CHECK(d->healthy());
        backend.sql(update + damage.good);
        require_ok(read_back(damage.table));
    }
}

TEST_CASE("sqlite: a file that is not a database is refused", "[storage][sqlite]") {
    TempDir dir;
    const auto path = dir.path() / "jabberd-ng.db";
    std::ofstream(path) << std::string(8192, 'j');
    auto factory = sqlite::make_factory(path.string());
    REQUIRE(factory.ok());
    auto d = (*factory)->connect();
    REQUIRE_FALSE(d.ok());
    CHECK(d.message().find("not a database") != std::string::npos);
}

TEST_CASE("sqlite: processes starting at once migrate the file once", "[storage][sqlite]") {
    SqliteBackend backend;
    constexpr int kProcesses = 4;
    std::vector<std::future<std::string>> started;
    for (int i = 0; i < kProcesses; ++i) {
        // A factory each: separate processes as far as migration goes.
        started.push_back(std::async(std::launch::async, [&backend] {
            auto f = sqlite::make_factory(backend.path());
            if (!f) return f.message();
            auto d = (*f)->connect();
            return d.ok() ? std::string() : d.message();
        }));
    }
    for (auto& s : started) CHECK(s.get() == "");
    auto versions = backend.sql(R"(SELECT "version" FROM "jng-schema" ORDER BY "version")");
    REQUIRE(versions.size() == static_cast<size_t>(latest_version()));
    for (int v = 1; v <= latest_version(); ++v) CHECK(versions[v - 1][0] == std::to_string(v));
}

TEST_CASE("sqlite: a database at an older version is migrated forward, its rows kept",
          "[storage][sqlite]") {
    SqliteBackend backend;
    // The schema as the first three migrations left it (accounts, roster,
    // offline queue: before the session manager's services), with rows in it.
    constexpr int kOlder = 3;
    REQUIRE(latest_version() > kOlder);
    const Placeholder dialect[] = {{"SERIAL", "INTEGER PRIMARY KEY AUTOINCREMENT"}};
    {
        auto c = sqlite::Connection::open(backend.path(), std::chrono::seconds(5));
        REQUIRE(c.ok());
        require_ok((*c)->exec(kCreateSchemaTable));
        for (const auto& m : migrations().first(kOlder)) {
            auto sql = render(m.sql, dialect);
            REQUIRE(sql.ok());
            require_ok((*c)->exec(*sql));
            auto q = (*c)->prepare(
                R"(INSERT INTO "jng-schema" ("version", "name", "applied") VALUES ($1, $2, 1))",
                false);
            REQUIRE(q.ok());
            require_ok(q->bind(1, int64_t{m.version}).bind(2, m.name).run());
        }
    }
    backend.sql(R"(INSERT INTO "roster-items" ("collection-owner", "jid", "name"))"
                R"( VALUES ('alice@example.com', 'bob@example.com', 'Bob'))");
    CHECK(backend.sql(R"(SELECT COUNT(*) FROM sqlite_master WHERE name = 'privacy-items')") ==
          std::vector<Row>{{"0"}});

    auto d = connect(*backend.factory());
    auto status = d->schema_status();
    require_ok(status);
    CHECK(status->current == latest_version());
    auto versions =
        backend.sql(R"(SELECT "version", "applied" FROM "jng-schema" ORDER BY "version")");
    REQUIRE(versions.size() == static_cast<size_t>(latest_version()));
    for (int v = 1; v <= latest_version(); ++v) {
        INFO("version " << v);
        CHECK(versions[v - 1][0] == std::to_string(v));
        // The old rows are untouched; the new ones are stamped now.
        if (v <= kOlder)
            CHECK(versions[v - 1][1] == "1");
        else
            CHECK(std::stoll(versions[v - 1][1].value()) > 1'600'000'000);
    }
    auto bob = d->roster().get("alice@example.com", "bob@example.com");
    require_ok(bob);
    REQUIRE(bob->has_value());
    CHECK((*bob)->name == "Bob");
    // And the new collections work at once.
    PrivacyItem all;
    all.order = 1;
    require_ok(d->privacy().put("alice@example.com", PrivacyList{"all", {all}}));
    require_ok(d->vcard().put("alice@example.com", "<vCard xmlns='vcard-temp'/>"));
    require_ok(d->remove_user("alice", "example.com"));
}

TEST_CASE("sqlite: a schema newer than this build is refused", "[storage][sqlite]") {
    SqliteBackend backend;
    connect(*backend.factory());
    backend.sql(
        R"(INSERT INTO "jng-schema" ("version", "name", "applied") VALUES ($1, 'future', 0))",
        {std::to_string(latest_version() + 1)});
    auto d = backend.factory()->connect();
    REQUIRE_FALSE(d.ok());
    CHECK(d.message().find("newer") != std::string::npos);
}

TEST_CASE("sqlite: busy is an error that keeps the connection; damage codes break it",
          "[storage][sqlite]") {
    CHECK(sqlite::is_fatal(SQLITE_CORRUPT));
    CHECK(sqlite::is_fatal(SQLITE_NOTADB));
    CHECK(sqlite::is_fatal(SQLITE_IOERR_READ));
    CHECK(sqlite::is_fatal(SQLITE_IOERR_SHMMAP));
    CHECK(sqlite::is_fatal(SQLITE_CANTOPEN));
    CHECK_FALSE(sqlite::is_fatal(SQLITE_BUSY));
    CHECK_FALSE(sqlite::is_fatal(SQLITE_BUSY_SNAPSHOT));
    CHECK_FALSE(sqlite::is_fatal(SQLITE_LOCKED));
    CHECK_FALSE(sqlite::is_fatal(SQLITE_CONSTRAINT_PRIMARYKEY));
    CHECK_FALSE(sqlite::is_fatal(SQLITE_FULL));

    SqliteBackend backend;
    connect(*backend.factory());
    auto factory = sqlite::make_factory(backend.path(), {std::chrono::milliseconds(50)});
    REQUIRE(factory.ok());
    auto d = connect(**factory);

    // Another process holds the write lock.
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(backend.path().c_str(), &raw) == SQLITE_OK);
    sqlite::DatabasePtr other(raw);
    REQUIRE(sqlite3_exec(other.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    auto blocked = d->queue().push("alice@example.com", "<message/>");
    REQUIRE_FALSE(blocked.ok());
    CHECK(blocked.message().find("locked") != std::string::npos);
    CHECK(d->healthy());
    // Reads go on under WAL while the other process writes.
    auto count = d->queue().count("alice@example.com");
    require_ok(count);
    CHECK(*count == 0);

    REQUIRE(sqlite3_exec(other.get(), "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
    auto pushed = d->queue().push("alice@example.com", "<message/>");
    require_ok(pushed);
}

TEST_CASE("sqlite: a statement in use is not reset by a nested use of the same SQL",
          "[storage][sqlite]") {
    TempDir dir;
    auto c = sqlite::Connection::open((dir.path() / "x.db").string(), std::chrono::seconds(1));
    REQUIRE(c.ok());
    auto& db = **c;
    require_ok(db.exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1), (2), (3);"));

    const std::string sql = "SELECT v FROM t WHERE v >= $1 ORDER BY v";
    auto outer = db.prepare(sql);
    REQUIRE(outer.ok());
    outer->bind(1, int64_t{1});
    std::vector<std::pair<int64_t, int64_t>> pairs;
    for (;;) {
        auto row = outer->next();
        REQUIRE(row.ok());
        if (!*row) break;
        int64_t v = *outer->integer(0);
        auto inner = db.prepare(sql);
        REQUIRE(inner.ok());
        inner->bind(1, v);
        auto inner_row = inner->next();
        REQUIRE(inner_row.ok());
        REQUIRE(*inner_row);
        pairs.emplace_back(v, *inner->integer(0));
    }
    CHECK(pairs == std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {2, 2}, {3, 3}});
    CHECK(db.cached_sql() == std::vector<std::string>{sql});

    // Rows fetched through the SqlConnection interface while the cached
    // statement is mid-use elsewhere leave it alone too.
    auto fetched = db.query(sql, int64_t{2});
    require_ok(fetched);
    REQUIRE(fetched->size() == 2);
    CHECK(*(*fetched)[0].integer(0) == 2);

    // An unknown parameter is an error, not a silently unbound NULL.
    CHECK_FALSE(db.query("SELECT $1", "a", "b").ok());
}
