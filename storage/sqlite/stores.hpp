// The sqlite driver's typed stores, one per collection family; each is a thin
// layer of SQL over a Connection owned by the SqliteDriver.
#pragma once

#include "driver.hpp"
#include "sqlite/connection.hpp"

namespace jng::storage::sqlite {

class Authreg final : public AuthregStore {
public:
    explicit Authreg(Connection& db) : db_(db) {}
    Result<std::optional<AuthRecord>> get(std::string_view username,
                                          std::string_view realm) override;
    Result<bool> create(const AuthRecord& record) override;
    Result<bool> set_credentials(const AuthRecord& record) override;
    Result<std::vector<std::string>> list(std::string_view realm) override;

private:
    Connection& db_;
};

class Roster final : public RosterStore {
public:
    explicit Roster(Connection& db) : db_(db) {}
    Result<std::vector<RosterItem>> items(std::string_view owner) override;
    Result<std::optional<RosterItem>> get(std::string_view owner,
                                          std::string_view contact) override;
    Status put(std::string_view owner, const RosterItem& item) override;
    Result<bool> remove(std::string_view owner, std::string_view contact) override;

private:
    Connection& db_;
};

class Queue final : public QueueStore {
public:
    explicit Queue(Connection& db) : db_(db) {}
    Result<int64_t> push(std::string_view owner, std::string_view xml) override;
    Result<std::vector<QueuedStanza>> items(std::string_view owner) override;
    Status remove_upto(std::string_view owner, int64_t upto) override;
    Result<int64_t> count(std::string_view owner) override;

private:
    Connection& db_;
};

}  // namespace jng::storage::sqlite
