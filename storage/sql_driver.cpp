// The SQL drivers' shared half: account removal across every owner-keyed
// table in one transaction, and migrations applied one transaction each.
#include "sql_driver.hpp"

#include <array>

#include "rows.hpp"

namespace jng::storage {
namespace {

std::string version_text(int version) {
    return version == 0 ? "no jabberd-ng schema" : "schema version " + std::to_string(version);
}

}  // namespace

SqlDriver::SqlDriver(std::unique_ptr<SqlConnection> connection,
                     std::span<const Placeholder> placeholders)
    : db_(std::move(connection)),
      placeholders_(placeholders),
      authreg_(*db_),
      roster_(*db_),
      queue_(*db_),
      privacy_(*db_),
      vcard_(*db_),
      private_(*db_),
      last_(*db_),
      active_(*db_),
      announce_(*db_),
      vacation_(*db_),
      disco_items_(*db_),
      muc_(*db_) {}

Status SqlDriver::transaction(const std::function<Status()>& body) {
    return db_->transaction(SqlConnection::Mode::kWrite, body);
}

Status SqlDriver::remove_user(std::string_view username, std::string_view realm) {
    if (auto s = check_key("username", username); !s) return s;
    if (auto s = check_key("realm", realm); !s) return s;
    // Built once from the shared list (the domain-keyed tables are not in
    // it); table names are constants, the owner is a bound parameter.
    static const auto kDeletes = [] {
        std::array<std::string, kOwnerKeyedTables.size()> sql;
        for (size_t i = 0; i < kOwnerKeyedTables.size(); ++i)
            sql[i] = "DELETE FROM \"" + std::string(kOwnerKeyedTables[i]) +
                     "\" WHERE \"collection-owner\" = $1";
        return sql;
    }();
    const std::string owner = owner_of(username, realm);
    return db_->transaction(SqlConnection::Mode::kWrite, [&]() -> Status {
        for (const auto& sql : kDeletes)
            if (auto r = db_->query(sql, owner); !r) return r.error();
        auto r = db_->query(R"(DELETE FROM "authreg" WHERE "username" = $1 AND "realm" = $2)",
                            username, realm);
        if (!r) return r.error();
        return {};
    });
}

Result<SchemaStatus> SqlDriver::schema_status() {
    SchemaStatus status;
    status.latest = latest_version();
    Status s = db_->transaction(SqlConnection::Mode::kRead, [&]() -> Status {
        auto current = current_version();
        if (!current) return current.error();
        status.current = *current;
        return {};
    });
    if (!s) return s.error();
    return status;
}

Status SqlDriver::apply(const Migration& m) {
    // One transaction per migration (both engines' DDL is transactional),
    // with the processes that migrate at once taking turns: the version is
    // read again inside, since another one may have applied this migration
    // while we waited.
    return db_->transaction(SqlConnection::Mode::kWrite, [&]() -> Status {
        if (auto s = lock_schema(); !s) return s;
        if (auto s = db_->exec(kCreateSchemaTable); !s) return s;
        auto current = current_version();
        if (!current) return current.error();
        if (*current >= m.version) return {};
        if (*current != m.version - 1)
            return fail(std::string(db_->dialect().name) + ": " + version_text(*current) +
                        ", cannot apply migration " + std::to_string(m.version));
        auto sql = render(m.sql, placeholders_);
        if (!sql) return sql.error();
        if (auto s = db_->exec(*sql); !s)
            return fail("migration " + std::to_string(m.version) + " (" + std::string(m.name) +
                        ") failed: " + s.message());
        auto r = db_->query(R"(INSERT INTO "jng-schema" ("version", "name", "applied"))"
                            R"( VALUES ($1, $2, $3))",
                            int64_t{m.version}, m.name, unix_now());
        if (!r) return r.error();
        return {};
    });
}

Status SqlDriver::migrate() {
    auto status = schema_status();
    if (!status) return status.error();
    // A newer build has migrated this database: an older one must not write
    // to a schema it does not know.
    if (status->current > status->latest)
        return fail(std::string(db_->dialect().name) + ": " + describe_database() +
                    " has schema version " + std::to_string(status->current) +
                    ", newer than this build's " + std::to_string(status->latest));
    for (const auto& m : migrations()) {
        if (m.version <= status->current) continue;
        if (auto s = apply(m); !s) return s;
    }
    return {};
}

}  // namespace jng::storage
