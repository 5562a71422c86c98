// The `authreg` store: accounts and their SCRAM credentials, checked on the
// way in and on the way out.
#include "rows.hpp"
#include "stores/stores.hpp"

namespace jng::storage::stores {
namespace {

constexpr std::string_view kAuthregTable = "authreg";

// Columns first..first+3 of the SELECT below.
Result<ScramCredential> read_credential(const SqlRow& r, int first, sasl::Hash hash,
                                        std::string_view iterations_column) {
    ScramCredential c;
    auto iterations = r.integer(first);
    if (!iterations) return iterations.error();
    auto checked = iterations_from_column(iterations_column, *iterations);
    if (!checked) return corrupt(kAuthregTable, checked.message());
    c.iterations = *checked;
    auto salt = r.text(first + 1);
    if (!salt) return salt.error();
    auto stored = r.text(first + 2);
    if (!stored) return stored.error();
    auto server = r.text(first + 3);
    if (!server) return server.error();
    c.salt = std::move(*salt);
    c.stored_key = std::move(*stored);
    c.server_key = std::move(*server);
    if (auto s = check_credential(hash, c); !s) return corrupt(kAuthregTable, s.message());
    return c;
}

}  // namespace

Authreg::Authreg(SqlConnection& db)
    : db_(db),
      list_sql_(sql_text({R"(SELECT "username" FROM "authreg" WHERE "realm" = $1)",
                          R"( ORDER BY "username")", db.dialect().byte_order})) {}

Result<std::optional<AuthRecord>> Authreg::get(std::string_view username, std::string_view realm) {
    auto rows =
        db_.query(R"(SELECT "scram-sha1-iterations", "scram-sha1-salt", "scram-sha1-stored-key",)"
                  R"( "scram-sha1-server-key", "scram-sha256-iterations", "scram-sha256-salt",)"
                  R"( "scram-sha256-stored-key", "scram-sha256-server-key")"
                  R"( FROM "authreg" WHERE "username" = $1 AND "realm" = $2)",
                  username, realm);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<AuthRecord>();

    AuthRecord record;
    record.username = std::string(username);
    record.realm = std::string(realm);
    auto sha1 = read_credential((*rows)[0], 0, sasl::Hash::kSha1, "scram-sha1-iterations");
    if (!sha1) return sha1.error();
    auto sha256 = read_credential((*rows)[0], 4, sasl::Hash::kSha256, "scram-sha256-iterations");
    if (!sha256) return sha256.error();
    record.sha1 = std::move(*sha1);
    record.sha256 = std::move(*sha256);
    return std::optional<AuthRecord>(std::move(record));
}

Result<bool> Authreg::create(const AuthRecord& r) {
    if (auto s = check_record(r); !s) return s.error();
    // DO NOTHING on the primary key: "already exists" is an answer, not an
    // error, and the existing account stays as it was.
    auto rows =
        db_.query(R"(INSERT INTO "authreg" ("username", "realm", "scram-sha1-iterations",)"
                  R"( "scram-sha1-salt", "scram-sha1-stored-key", "scram-sha1-server-key",)"
                  R"( "scram-sha256-iterations", "scram-sha256-salt", "scram-sha256-stored-key",)"
                  R"( "scram-sha256-server-key", "created"))"
                  R"( VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11))"
                  R"( ON CONFLICT ("username", "realm") DO NOTHING)",
                  r.username, r.realm, int64_t{r.sha1.iterations}, r.sha1.salt, r.sha1.stored_key,
                  r.sha1.server_key, int64_t{r.sha256.iterations}, r.sha256.salt,
                  r.sha256.stored_key, r.sha256.server_key, unix_now());
    if (!rows) return rows.error();
    return rows->affected() == 1;
}

Result<bool> Authreg::set_credentials(const AuthRecord& r) {
    if (auto s = check_record(r); !s) return s.error();
    auto rows =
        db_.query(R"(UPDATE "authreg" SET "scram-sha1-iterations" = $3, "scram-sha1-salt" = $4,)"
                  R"( "scram-sha1-stored-key" = $5, "scram-sha1-server-key" = $6,)"
                  R"( "scram-sha256-iterations" = $7, "scram-sha256-salt" = $8,)"
                  R"( "scram-sha256-stored-key" = $9, "scram-sha256-server-key" = $10)"
                  R"( WHERE "username" = $1 AND "realm" = $2)",
                  r.username, r.realm, int64_t{r.sha1.iterations}, r.sha1.salt, r.sha1.stored_key,
                  r.sha1.server_key, int64_t{r.sha256.iterations}, r.sha256.salt,
                  r.sha256.stored_key, r.sha256.server_key);
    if (!rows) return rows.error();
    return rows->affected() == 1;
}

Result<std::vector<std::string>> Authreg::list(std::string_view realm) {
    auto rows = db_.query(list_sql_, realm);
    if (!rows) return rows.error();
    std::vector<std::string> names;
    names.reserve(rows->size());
    for (size_t i = 0; i < rows->size(); ++i) {
        auto name = (*rows)[i].text(0);
        if (!name) return name.error();
        names.push_back(std::move(*name));
    }
    return names;
}

}  // namespace jng::storage::stores
