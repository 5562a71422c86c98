// The typed stores, one per collection family, written once for every SQL
// driver: each is a thin layer of SQL over the SqlConnection its driver owns.
#pragma once

#include <string>

#include "driver.hpp"
#include "sql.hpp"

namespace jng::storage::stores {

class Authreg final : public AuthregStore {
public:
    explicit Authreg(SqlConnection& db);
    Result<std::optional<AuthRecord>> get(std::string_view username,
                                          std::string_view realm) override;
    Result<bool> create(const AuthRecord& record) override;
    Result<bool> set_credentials(const AuthRecord& record) override;
    Result<std::vector<std::string>> list(std::string_view realm) override;

private:
    SqlConnection& db_;
    const std::string list_sql_;  // sorted in the dialect's byte order
};

class Roster final : public RosterStore {
public:
    explicit Roster(SqlConnection& db);
    Result<std::vector<RosterItem>> items(std::string_view owner) override;
    Result<std::optional<RosterItem>> get(std::string_view owner,
                                          std::string_view contact) override;
    Status put(std::string_view owner, const RosterItem& item) override;
    Result<bool> remove(std::string_view owner, std::string_view contact) override;

private:
    SqlConnection& db_;
    const std::string items_sql_, get_sql_;  // sorted in the dialect's byte order
};

class Queue final : public QueueStore {
public:
    explicit Queue(SqlConnection& db) : db_(db) {}
    Result<int64_t> push(std::string_view owner, std::string_view xml) override;
    Result<std::vector<QueuedStanza>> items(std::string_view owner) override;
    Status remove_upto(std::string_view owner, int64_t upto) override;
    Result<int64_t> count(std::string_view owner) override;

private:
    SqlConnection& db_;
};

class Privacy final : public PrivacyStore {
public:
    explicit Privacy(SqlConnection& db);
    Result<std::vector<PrivacyList>> lists(std::string_view owner) override;
    Result<std::optional<PrivacyList>> list(std::string_view owner, std::string_view name) override;
    Status put(std::string_view owner, const PrivacyList& list) override;
    Result<bool> remove(std::string_view owner, std::string_view name) override;
    Result<std::optional<std::string>> default_list(std::string_view owner) override;
    Status set_default(std::string_view owner, std::optional<std::string> name) override;

private:
    SqlConnection& db_;
    const std::string lists_sql_;  // sorted in the dialect's byte order
};

class Vcard final : public VcardStore {
public:
    explicit Vcard(SqlConnection& db) : db_(db) {}
    Result<std::optional<std::string>> get(std::string_view owner) override;
    Status put(std::string_view owner, std::string_view xml) override;
    Result<bool> remove(std::string_view owner) override;

private:
    SqlConnection& db_;
};

class Private final : public PrivateStore {
public:
    explicit Private(SqlConnection& db) : db_(db) {}
    Result<std::optional<std::string>> get(std::string_view owner, std::string_view ns) override;
    Status put(std::string_view owner, std::string_view ns, std::string_view xml) override;

private:
    SqlConnection& db_;
};

class Last final : public LastStore {
public:
    explicit Last(SqlConnection& db) : db_(db) {}
    Result<std::optional<LastLogout>> get(std::string_view owner) override;
    Status set(std::string_view owner, const LastLogout& logout) override;

private:
    SqlConnection& db_;
};

class Active final : public ActiveStore {
public:
    explicit Active(SqlConnection& db) : db_(db) {}
    Result<std::optional<int64_t>> get(std::string_view owner) override;
    Result<bool> set_if_absent(std::string_view owner, int64_t time) override;

private:
    SqlConnection& db_;
};

class Announce final : public AnnounceStore {
public:
    explicit Announce(SqlConnection& db) : db_(db) {}
    Result<std::optional<Motd>> motd(std::string_view domain) override;
    Status set_motd(std::string_view domain, const Motd& motd) override;
    Result<bool> remove_motd(std::string_view domain) override;
    Result<std::optional<int64_t>> last_seen(std::string_view owner) override;
    Status set_last_seen(std::string_view owner, int64_t time) override;

private:
    SqlConnection& db_;
};

class VacationSettings final : public VacationStore {
public:
    explicit VacationSettings(SqlConnection& db) : db_(db) {}
    Result<std::optional<Vacation>> get(std::string_view owner) override;
    Status set(std::string_view owner, const Vacation& vacation) override;
    Result<bool> remove(std::string_view owner) override;

private:
    SqlConnection& db_;
};

class DiscoItems final : public DiscoItemsStore {
public:
    explicit DiscoItems(SqlConnection& db);
    Result<std::vector<DiscoItem>> items(std::string_view domain) override;
    Status put(std::string_view domain, const DiscoItem& item) override;
    Result<bool> remove(std::string_view domain, std::string_view jid,
                        std::string_view node) override;

private:
    SqlConnection& db_;
    const std::string items_sql_;  // sorted in the dialect's byte order
};

class MucRooms final : public MucStore {
public:
    explicit MucRooms(SqlConnection& db);
    Result<std::vector<MucRoom>> rooms(std::string_view service) override;
    Status put_room(std::string_view service, const MucRoom& room) override;
    Result<bool> remove_room(std::string_view service, std::string_view room) override;

private:
    SqlConnection& db_;
    const std::string rooms_sql_, affiliations_sql_;  // sorted in the dialect's byte order
};

}  // namespace jng::storage::stores
