// login: accounts log in as fast as the server lets them, --in-flight at a
// time, each waiting for every reply as a real client does: TCP, STARTTLS,
// SASL, bind, roster get, initial presence (until its echo). A finished
// login closes its stream (unless --hold) and the next one starts, so
// --count may exceed the number of accounts.
#include <unordered_map>

#include "population.hpp"
#include "scenarios.hpp"

namespace jng::loadgen {

namespace {

class LoginStorm {
public:
    explicit LoginStorm(Run& run)
        : run_(run), total_(run.options().count ? run.options().count : run.accounts().size()) {}

    void start() {
        started_ = Clock::now();
        last_done_ = started_;
        run_.report().latency("login");
        for (size_t i = 0; i < run_.options().in_flight && next_ < total_; ++i) launch();
        if (total_ == 0) run_.stop();
    }

    // The time limit: nothing new starts, logins under way are given up.
    void expire() {
        stopping_ = true;
        for (auto& [id, c] : clients_) {
            if (c->state() != Client::State::kClosed && !c->online()) {
                ++unfinished_;
                c->abort("unfinished at the time limit");
            }
        }
        wind_down();
    }

    void report() {
        Report& r = run_.report();
        const double s = seconds(last_done_ - started_);
        r.set("accounts", run_.accounts().size());
        r.set("attempted", next_);
        r.set("logins", logins_);
        r.set("failed", failed_);
        r.set("unfinished", unfinished_);
        r.set("elapsed_s", s);
        r.set("logins_per_s", per_second(logins_, s));
        r.set("hold", run_.options().hold);
    }

private:
    void launch() {
        const size_t id = next_++;
        const Account& account = run_.accounts()[id % run_.accounts().size()];
        auto client = std::make_unique<Client>(
            run_.client_setup(), account, id,
            Client::Callbacks{
                .on_online = [this](Client& c) { on_online(c); },
                .on_stanza = {},
                .on_closed = [this](Client& c, const std::string& e) { on_closed(c, e); },
            });
        Client* raw = client.get();
        clients_.emplace(id, std::move(client));
        ++in_flight_;
        raw->start();
    }

    void on_online(Client& c) {
        --in_flight_;
        ++logins_;
        last_done_ = Clock::now();
        record_login(run_.report(), c);
        if (!run_.options().hold) c.close();
        if (!stopping_ && next_ < total_) launch();
        wind_down();
    }

    void on_closed(Client& c, const std::string& error) {
        const bool was_online =
            c.milestones()[static_cast<size_t>(Phase::kPresence)] != Clock::time_point{};
        if (!was_online) {
            --in_flight_;
            if (!stopping_) {
                ++failed_;
                last_done_ = Clock::now();
                run_.report().errors().add(error.empty() ? "login:closed" : error);
                run_.detail(c.account().node + ": " + error);
            }
            if (!stopping_ && next_ < total_) launch();
        } else if (!error.empty()) {
            run_.report().errors().add((closing_all_ || !run_.options().hold ? "close: " : "session lost: ") + error);
        }
        const size_t id = c.index();
        run_.loop().defer([this, w = lifeline_.watch(), id] {
            if (!net::alive(w)) return;
            clients_.erase(id);
            wind_down();
        });
    }

    // Once every login is done: with --hold, close them all now; then stop
    // when the last connection is gone.
    void wind_down() {
        const bool all_started = stopping_ || next_ >= total_;
        if (!all_started || in_flight_ != 0) return;
        if (!closing_all_) {
            closing_all_ = true;
            if (!stopping_) {
                run_.progress(std::to_string(logins_) + " logins, " + std::to_string(failed_) +
                              " failed; closing");
            }
            for (auto& [id, c] : clients_) {
                if (c->online()) c->close();
            }
        }
        if (clients_.empty()) run_.stop();
    }

    Run& run_;
    const size_t total_;
    std::unordered_map<size_t, std::unique_ptr<Client>> clients_;
    size_t next_ = 0;
    size_t in_flight_ = 0;
    size_t logins_ = 0;
    size_t failed_ = 0;
    size_t unfinished_ = 0;
    bool stopping_ = false;
    bool closing_all_ = false;
    Clock::time_point started_{};
    Clock::time_point last_done_{};
    net::Lifeline lifeline_;
};

}  // namespace

Status run_login(Run& run) {
    LoginStorm storm(run);
    run.progress("login storm: " + std::to_string(run.options().count ? run.options().count
                                                                      : run.accounts().size()) +
                 " logins, " + std::to_string(run.options().in_flight) + " in flight");
    storm.start();
    run.run_loop(to_ms(run.options().duration), [&] { storm.expire(); });
    storm.report();
    return {};
}

}  // namespace jng::loadgen
