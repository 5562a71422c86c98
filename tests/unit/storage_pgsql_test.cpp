// What is specific to the PostgreSQL driver: the schema policy the daemons
// rely on, concurrent migration, connection settings, reconnection with
// backoff, and a server restart under a live Storage. Runs when the test run
// names a server (JNG_TEST_PGSQL; the restart also needs JNG_TEST_PGSQL_CTL,
// a command that takes "stop" or "start"); under CI their absence fails.
#include <algorithm>
#include <atomic>
#include <catch.hpp>
#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>

#include "log.hpp"
#include "net/loop.hpp"
#include "run_until.hpp"
#include "schema.hpp"
#include "storage.hpp"
#include "storage_backends.hpp"

using namespace jng;
using namespace jng::storage;
using namespace jng::storage::test;
using Clock = std::chrono::steady_clock;

using jng::test::run_until;

namespace {

// How long a result may take here: a server restart is among them.
constexpr std::chrono::seconds kServerWait{60};


// False (after failing the test under CI) when no server was given.
bool have_server() {
    if (!pgsql_test_conninfo().empty()) return true;
    if (in_ci()) FAIL("CI=true but JNG_TEST_PGSQL is not set: tools/test starts a PostgreSQL "
                      "server and exports its conninfo");
    WARN("JNG_TEST_PGSQL is not set: PostgreSQL tests not run");
    return false;
}

std::string control_command() {
    const char* ctl = std::getenv("JNG_TEST_PGSQL_CTL");
    return ctl ? ctl : "";
}

pgsql::PgsqlDriver& as_pgsql(Driver& d) {
    return dynamic_cast<pgsql::PgsqlDriver&>(d);
}

// The first column of the first row of `sql` on the driver's own connection.
std::string first_value(Driver& d, std::string_view sql) {
    auto rows = as_pgsql(d).connection().query(sql);
    INFO((rows.ok() ? std::string() : rows.message()));
    REQUIRE(rows.ok());
    REQUIRE_FALSE(rows->empty());
    auto v = (*rows)[0].text(0);
    REQUIRE(v.ok());
    return *v;
}

// Pushes one stanza through `storage` and waits for the answer.
Result<int64_t> push(net::Loop& loop, Storage& storage, const std::string& owner,
                     const std::string& xml) {
    std::optional<Result<int64_t>> answer;
    storage.run(
        owner, [owner, xml](Driver& d) { return d.queue().push(owner, xml); },
        [&](Result<int64_t> r) { answer.emplace(std::move(r)); });
    run_until(loop, [&] { return answer.has_value(); }, kServerWait);
    return std::move(*answer);
}

// The highest $N in `sql`.
int parameters(const std::string& sql) {
    int most = 0;
    for (size_t at = sql.find('$'); at != std::string::npos; at = sql.find('$', at + 1)) {
        int n = 0;
        for (size_t i = at + 1; i < sql.size() && sql[i] >= '0' && sql[i] <= '9'; ++i)
            n = n * 10 + (sql[i] - '0');
        most = std::max(most, n);
    }
    return most;
}

}  // namespace

TEST_CASE("pgsql: every statement on the login and delivery paths can use an index",
          "[storage][pgsql]") {
    if (!have_server()) return;
    PgsqlBackend backend;
    auto d = connect(*backend.factory());
    const std::string owner = "alice@example.com";
    // Logging in, receiving and storing stanzas, and removing the account.
    require_ok(d->authreg().create(account("alice", "example.com")));
    require_ok(d->authreg().get("alice", "example.com"));
    require_ok(d->authreg().set_credentials(account("alice", "example.com", 'b')));
    require_ok(d->authreg().list("example.com"));
    RosterItem item;
    item.jid = "bob@example.com";
    item.groups = {"Friends"};
    require_ok(d->roster().put(owner, item));
    require_ok(d->roster().get(owner, item.jid));
    require_ok(d->roster().items(owner));
    require_ok(d->roster().remove(owner, item.jid));
    auto seq = d->queue().push(owner, "<message/>");
    require_ok(seq);
    require_ok(d->queue().items(owner));
    require_ok(d->queue().count(owner));
    require_ok(d->queue().remove_upto(owner, *seq));
    PrivacyItem rule;
    rule.order = 1;
    require_ok(d->privacy().put(owner, PrivacyList{"work", {rule}}));
    require_ok(d->privacy().set_default(owner, "work"));
    require_ok(d->privacy().default_list(owner));
    require_ok(d->privacy().list(owner, "work"));
    require_ok(d->privacy().lists(owner));
    require_ok(d->privacy().remove(owner, "work"));
    require_ok(d->vcard().get(owner));
    require_ok(d->private_xml().get(owner, "storage:bookmarks"));
    require_ok(d->last().get(owner));
    require_ok(d->active().set_if_absent(owner, 1));
    require_ok(d->active().get(owner));
    require_ok(d->announce().motd("example.com"));
    require_ok(d->announce().last_seen(owner));
    require_ok(d->vacation().get(owner));
    require_ok(d->disco_items().items("example.com"));
    require_ok(d->remove_user("alice", "example.com"));

    // With sequential scans priced out, a plan that still has one found no
    // index to use. (Tables this small would be scanned otherwise.)
    backend.sql("SET enable_seqscan = off");
    int checked = 0;
    for (const auto& sql : as_pgsql(*d).connection().prepared_sql()) {
        if (sql.rfind("INSERT", 0) == 0 && sql.find("SELECT") == std::string::npos) continue;
        if (sql.find("FROM") == std::string::npos) continue;  // no table: a lock, a setting
        INFO(sql);
        std::vector<std::string> params(static_cast<size_t>(parameters(sql)), "1");
        auto plan = backend.sql("EXPLAIN " + sql, params);
        REQUIRE_FALSE(plan.empty());
        for (const auto& row : plan) {
            const std::string line = row.at(0).value_or("");
            INFO(line);
            CHECK(line.find("Seq Scan") == std::string::npos);
        }
        ++checked;
    }
    backend.sql("RESET enable_seqscan");
    CHECK(checked >= 30);
}

TEST_CASE("pgsql: a daemon's connection refuses a missing, older or newer schema",
          "[storage][pgsql]") {
    if (!have_server()) return;
    PgsqlBackend backend;
    // A fresh factory each time: a refused connect() holds the next one off.
    auto daemon_connect = [&] { return backend.make({})->connect(); };

    auto missing = daemon_connect();
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.message().find("no jabberd-ng schema") != std::string::npos);
    CHECK(missing.message().find("jabberdctl -c CONFIG db init") != std::string::npos);

    auto admin = connect(*backend.admin_factory());
    require_ok(admin->migrate());
    CHECK(daemon_connect().ok());

    backend.sql(R"(DELETE FROM "jng-schema" WHERE "version" = $1)",
                {std::to_string(latest_version())});
    auto older = daemon_connect();
    REQUIRE_FALSE(older.ok());
    CHECK(older.message().find("schema version " + std::to_string(latest_version() - 1)) !=
          std::string::npos);
    CHECK(older.message().find("db migrate") != std::string::npos);

    backend.sql(R"(INSERT INTO "jng-schema" ("version", "name", "applied") VALUES ($1, 'x', 0))",
                {std::to_string(latest_version())});
    backend.sql(
        R"(INSERT INTO "jng-schema" ("version", "name", "applied") VALUES ($1, 'future', 0))",
        {std::to_string(latest_version() + 1)});
    auto newer = daemon_connect();
    REQUIRE_FALSE(newer.ok());
    CHECK(newer.message().find("newer") != std::string::npos);
    CHECK_FALSE(admin->migrate().ok());  // nor does the tool touch it
}

TEST_CASE("pgsql: processes migrating at once apply each migration once", "[storage][pgsql]") {
    if (!have_server()) return;
    PgsqlBackend backend;
    constexpr int kProcesses = 4;
    std::vector<std::future<std::string>> started;
    for (int i = 0; i < kProcesses; ++i) {
        // A factory each: separate processes as far as migration goes.
        started.push_back(std::async(std::launch::async, [&backend] {
            pgsql::Options options;
            options.settings.conninfo = backend.conninfo();
            options.schema = SchemaPolicy::kMigrate;
            auto f = pgsql::make_factory(options);
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

TEST_CASE("pgsql: connections speak UTF-8 with a statement timeout", "[storage][pgsql]") {
    if (!have_server()) return;
    PgsqlBackend backend;
    auto d = connect(*backend.factory());
    CHECK(first_value(*d, "SELECT current_setting('client_encoding')") == "UTF8");
    CHECK(first_value(*d, "SELECT current_setting('statement_timeout')") == "30s");
    CHECK(first_value(*d, "SELECT current_setting('application_name')") == "jabberd-ng");
    CHECK(first_value(*d, "SELECT current_schema()::text") == backend.schema());

    // A statement that runs too long is cancelled by the server; the
    // connection stays usable.
    pgsql::Options options;
    options.settings.statement_timeout = std::chrono::milliseconds(200);
    auto quick = connect(*backend.make(options));
    const auto start = Clock::now();
    auto slow = as_pgsql(*quick).connection().query("SELECT pg_sleep(5)");
    REQUIRE_FALSE(slow.ok());
    CHECK(Clock::now() - start < std::chrono::seconds(3));
    CHECK(as_pgsql(*quick).connection().last_sqlstate() == "57014");
    CHECK(quick->healthy());
    require_ok(quick->queue().push("alice@example.com", "<message/>"));

    // A NUL cannot be passed to libpq without cutting the value short.
    CHECK_FALSE(d->queue().push(std::string("alice@example.com\0x", 19), "<message/>").ok());
    CHECK(d->healthy());
}

TEST_CASE("pgsql: the conninfo is checked, and logged without its password",
          "[storage][pgsql]") {
    pgsql::Options bad;
    bad.settings.conninfo = "host=db.example.com port=5432 dbname=jabberd nonsense=1";
    CHECK_FALSE(pgsql::make_factory(bad).ok());
    CHECK_FALSE(pgsql::make_factory(pgsql::Options{}).ok());

    pgsql::Options good;
    good.settings.conninfo =
        "host=db.example.com port=5432 dbname=jabberd user=xmpp password=s3cret sslmode=require";
    auto f = pgsql::make_factory(good);
    REQUIRE(f.ok());
    CHECK((*f)->describe() == "pgsql host=db.example.com port=5432 dbname=jabberd user=xmpp");
}

TEST_CASE("pgsql: a server that cannot be reached is retried with a growing delay",
          "[storage][pgsql]") {
    pgsql::Options options;
    options.settings.conninfo = "host=/nonexistent/jng-test port=1 dbname=jng";
    options.retry_min = std::chrono::milliseconds(300);
    options.retry_max = std::chrono::milliseconds(600);
    auto f = pgsql::make_factory(options);
    REQUIRE(f.ok());

    auto first = (*f)->connect();
    REQUIRE_FALSE(first.ok());
    CHECK(first.message().find("cannot connect") != std::string::npos);
    // Within the delay: refused at once, naming the last failure.
    auto held = (*f)->connect();
    REQUIRE_FALSE(held.ok());
    CHECK(held.message().find("not retrying") != std::string::npos);
    CHECK(held.message().find("cannot connect") != std::string::npos);

    std::this_thread::sleep_for(std::chrono::milliseconds(350));
    auto second = (*f)->connect();  // a real attempt again; the delay doubles
    REQUIRE_FALSE(second.ok());
    CHECK(second.message().find("not retrying") == std::string::npos);
    std::this_thread::sleep_for(std::chrono::milliseconds(350));
    auto still_held = (*f)->connect();
    REQUIRE_FALSE(still_held.ok());
    CHECK(still_held.message().find("not retrying") != std::string::npos);
}

TEST_CASE("pgsql: a connection the server ends is replaced for the next operation",
          "[storage][pgsql]") {
    if (!have_server()) return;
    PgsqlBackend backend;
    net::Loop loop;
    Log log("storage-test", LogLevel::kError);
    Storage storage(loop, log, backend.factory(), 1);
    const std::string owner = "alice@example.com";
    require_ok(push(loop, storage, owner, "<message id='1'/>"));

    // An administrator (or a failover) ends the worker's connection.
    std::optional<Result<std::string>> pid;
    storage.run(
        owner,
        [](Driver& d) -> Result<std::string> {
            auto rows = as_pgsql(d).connection().query("SELECT pg_backend_pid()::text");
            if (!rows) return rows.error();
            return (*rows)[0].text(0);
        },
        [&](Result<std::string> r) { pid.emplace(std::move(r)); });
    run_until(loop, [&] { return pid.has_value(); }, kServerWait);
    require_ok(*pid);
    backend.sql("SELECT pg_terminate_backend($1::integer)", {**pid});
    // The operation on the dead connection fails; nothing was acknowledged.
    auto failed = push(loop, storage, owner, "<message id='lost'/>");
    CHECK_FALSE(failed.ok());
    // The next one reconnects.
    require_ok(push(loop, storage, owner, "<message id='2'/>"));
    auto count = backend.sql(R"(SELECT COUNT(*) FROM "queue" WHERE "xml" <> '<message id=''lost''/>')");
    CHECK(count.at(0).at(0) == "2");
}

TEST_CASE("pgsql: a server restart under a live Storage: errors meanwhile, then service",
          "[storage][pgsql]") {
    if (!have_server()) return;
    const std::string ctl = control_command();
    if (ctl.empty()) {
        if (in_ci()) FAIL("CI=true but JNG_TEST_PGSQL_CTL is not set (tools/test sets it)");
        WARN("JNG_TEST_PGSQL_CTL is not set: the restart test is not run");
        return;
    }
    PgsqlBackend backend;
    net::Loop loop;
    Log log("storage-test", LogLevel::kError);
    pgsql::Options options;
    options.settings.connect_timeout = std::chrono::seconds(2);
    options.retry_min = std::chrono::milliseconds(100);
    options.retry_max = std::chrono::milliseconds(400);
    backend.factory();  // the schema, migrated
    Storage storage(loop, log, backend.make(options), 2);

    const std::vector<std::string> owners = {"alice@example.com", "bob@example.com"};
    int acknowledged = 0;
    for (const auto& owner : owners) {
        require_ok(push(loop, storage, owner, "<message/>"));
        ++acknowledged;
    }

    // Down: every operation answers with an error, promptly.
    REQUIRE(std::system((ctl + " stop").c_str()) == 0);
    struct Restarter {
        std::string command;
        bool armed = true;
        ~Restarter() {
            // Whatever happens to the test, the server comes back for the next.
            if (armed) (void)std::system((command + " start").c_str());
        }
    } restarter{ctl};
    const auto down_since = Clock::now();
    int errors = 0;
    for (int round = 0; round < 5; ++round) {
        for (const auto& owner : owners) {
            auto r = push(loop, storage, owner, "<message/>");
            if (r.ok())
                ++acknowledged;
            else
                ++errors;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(errors == 10);
    CHECK(Clock::now() - down_since < std::chrono::seconds(20));

    // Back: the same Storage serves again, without being recreated.
    REQUIRE(std::system((ctl + " start").c_str()) == 0);
    restarter.armed = false;
    for (const auto& owner : owners) {
        const auto deadline = Clock::now() + std::chrono::seconds(30);
        for (;;) {
            auto r = push(loop, storage, owner, "<message/>");
            if (r.ok()) {
                ++acknowledged;
                break;
            }
            REQUIRE(Clock::now() < deadline);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    // Nothing acknowledged was lost, nothing refused was stored.
    auto stored = backend.sql(R"(SELECT COUNT(*) FROM "queue")");
    CHECK(stored.at(0).at(0) == std::to_string(acknowledged));
    CHECK(acknowledged == 4);
}
