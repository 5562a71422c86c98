// A set of accounts logged in together and kept online: the clients of the
// chat, presence, idle, offline and roster-setup scenarios. Logs them in
// --in-flight at a time, records each login's latency by phase, and closes
// them all at the end.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "client.hpp"
#include "run.hpp"

namespace jng::loadgen {

// Adds one completed login to the report: "login" (connect to presence
// echo) and one histogram per phase.
void record_login(Report& report, const Client& client);

class Population {
public:
    struct Hooks {
        std::function<void(Client&)> on_online;
        std::function<void(Client&, xml::Element&)> on_stanza;
        // An online session ended without being asked to.
        std::function<void(Client&, const std::string& error)> on_lost;
    };

    // Slot i holds accounts[i].
    Population(Run& run, std::vector<Account> accounts, Hooks hooks);
    ~Population();
    Population(const Population&) = delete;
    Population& operator=(const Population&) = delete;

    void keep_rosters(bool keep) { keep_rosters_ = keep; }

    // Logs every account in, at most `in_flight` under way at once; `done`
    // runs once each has come online or failed.
    void login_all(size_t in_flight, std::function<void()> done);
    // Closes every session politely; `done` runs once all are gone, or after
    // `timeout` (the rest are dropped).
    void close_all(std::chrono::milliseconds timeout, std::function<void()> done);

    size_t size() const { return accounts_.size(); }
    const Account& account(size_t slot) const { return accounts_[slot]; }
    // The online client in `slot`, or nullptr.
    Client* online(size_t slot);
    const std::vector<size_t>& online_slots() const { return online_slots_; }
    size_t online_count() const { return online_count_; }
    size_t failed_logins() const { return failed_; }
    size_t lost_sessions() const { return lost_; }
    double login_seconds() const { return login_seconds_; }

private:
    void start_next();
    void on_online(Client& c);
    void on_closed(Client& c, const std::string& error);
    void check_closed();

    Run& run_;
    std::vector<Account> accounts_;
    Hooks hooks_;
    std::vector<std::unique_ptr<Client>> clients_;
    std::vector<size_t> online_slots_;  // in the order they came online
    bool keep_rosters_ = false;

    size_t next_ = 0;
    size_t in_flight_ = 0;
    size_t max_in_flight_ = 1;
    size_t online_count_ = 0;
    size_t failed_ = 0;
    size_t lost_ = 0;
    size_t open_ = 0;
    double login_seconds_ = 0;
    Clock::time_point login_started_{};
    std::function<void()> logins_done_;

    bool closing_ = false;
    std::function<void()> closed_done_;
    std::unique_ptr<net::Timer> close_timer_;
    net::Lifeline lifeline_;
};

}  // namespace jng::loadgen
