// idle: --users sessions logged in (with roster and presence, as a real
// client's) and then held for --duration, each sending a whitespace
// keepalive every --keepalive seconds (RFC 6120 §4.6.1). Reports how many
// were held to the end. --ready-file tells a memory probe (session_memory.py)
// when every login is done, so it can read the server's RSS under load.
#include <cstdio>
#include <fstream>

#include <unistd.h>

#include "json.hpp"
#include "population.hpp"
#include "scenarios.hpp"

namespace jng::loadgen {

namespace {

class Idle {
public:
    explicit Idle(Run& run)
        : run_(run), opts_(run.options()), population_(run, run.accounts(), {}) {}

    void start() {
        run_.progress("idle: logging in " + std::to_string(population_.size()) + " sessions");
        population_.login_all(opts_.in_flight, [this] { hold(); });
    }

    void expire() {
        if (!holding_done_) run_.report().errors().add("run: time limit reached before the end of the hold");
        run_.stop();
    }

    void report() {
        Report& r = run_.report();
        r.set("users", population_.size());
        r.set("logged_in", logged_in_);
        r.set("login_failed", population_.failed_logins());
        r.set("login_s", population_.login_seconds());
        r.set("logins_per_s", per_second(logged_in_, population_.login_seconds()));
        r.set("held", held_);
        r.set("dropped", population_.lost_sessions());
        r.set("hold_s", opts_.duration);
        r.set("keepalive_s", opts_.keepalive);
        r.set("keepalives_sent", keepalives_);
    }

private:
    void hold() {
        logged_in_ = population_.online_count();
        run_.progress(std::to_string(logged_in_) + " sessions up (" +
                      std::to_string(population_.failed_logins()) + " failed); holding for " +
                      std::to_string(opts_.duration) + " s");
        if (!opts_.ready_file.empty()) write_ready_file();
        // Spread keepalives over the interval: each second, the sessions
        // whose turn it is.
        period_ = std::max<uint64_t>(1, static_cast<uint64_t>(opts_.keepalive));
        tick_ = std::make_unique<net::Timer>(run_.loop(), [this] { keepalive(); });
        tick_->start_repeating(std::chrono::seconds(1));
        end_ = std::make_unique<net::Timer>(run_.loop(), [this] { end_hold(); });
        end_->start(to_ms(opts_.duration));
    }

    void write_ready_file() {
        JsonWriter w;
        w.begin_object();
        w.key("online").value(static_cast<uint64_t>(logged_in_));
        w.key("failed").value(static_cast<uint64_t>(population_.failed_logins()));
        w.key("pid").value(static_cast<int64_t>(getpid()));
        w.end_object();
        // Written aside and renamed: a reader never sees half a file.
        const std::string tmp = opts_.ready_file + ".tmp";
        {
            std::ofstream out(tmp, std::ios::trunc);
            out << w.str() << "\n";
        }
        if (std::rename(tmp.c_str(), opts_.ready_file.c_str()) != 0) {
            run_.report().errors().add("idle: cannot write the ready file");
        }
    }

    void keepalive() {
        const uint64_t turn = ticks_++ % period_;
        for (const size_t slot : population_.online_slots()) {
            if (slot % period_ != turn) continue;
            if (Client* c = population_.online(slot)) {
                c->send_raw(" ");
                ++keepalives_;
            }
        }
    }

    void end_hold() {
        tick_->stop();
        held_ = population_.online_count();
        holding_done_ = true;
        run_.progress("held " + std::to_string(held_) + " of " + std::to_string(logged_in_) +
                      "; closing");
        population_.close_all(run_.client_setup().step_timeout + to_ms(opts_.drain), [this] { run_.stop(); });
    }

    Run& run_;
    const Options& opts_;
    Population population_;
    std::unique_ptr<net::Timer> tick_, end_;
    uint64_t period_ = 1, ticks_ = 0, keepalives_ = 0;
    size_t logged_in_ = 0, held_ = 0;
    bool holding_done_ = false;
};

}  // namespace

Status run_idle(Run& run) {
    const Options& o = run.options();
    Idle idle(run);
    idle.start();
    run.run_loop(to_ms(o.setup_timeout + o.duration + o.drain) + run.client_setup().step_timeout * 2,
                 [&] { idle.expire(); });
    idle.report();
    return {};
}

}  // namespace jng::loadgen
