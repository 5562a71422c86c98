// Population: paced logins, bookkeeping of who is online, polite shutdown.
#include "population.hpp"

namespace jng::loadgen {

namespace {
uint64_t micros(Clock::duration d) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    return us > 0 ? static_cast<uint64_t>(us) : 0;
}
}  // namespace

void record_login(Report& report, const Client& client) {
    const auto& m = client.milestones();
    Clock::time_point previous = client.started();
    for (size_t i = 0; i < static_cast<size_t>(Phase::kCount); ++i) {
        if (m[i] == Clock::time_point{}) continue;  // e.g. no TLS phase of its own
        report.latency(std::string(phase_name(static_cast<Phase>(i)))).record(micros(m[i] - previous));
        previous = m[i];
    }
    report.latency("login").record(micros(previous - client.started()));
}

Population::Population(Run& run, std::vector<Account> accounts, Hooks hooks)
    : run_(run), accounts_(std::move(accounts)), hooks_(std::move(hooks)) {
    clients_.resize(accounts_.size());
    // The login histogram first, the phases after it, in every report.
    run_.report().latency("login");
}

Population::~Population() = default;

void Population::login_all(size_t in_flight, std::function<void()> done) {
    logins_done_ = std::move(done);
    max_in_flight_ = std::max<size_t>(1, in_flight);
    login_started_ = Clock::now();
    if (accounts_.empty()) {
        run_.loop().defer([this, w = lifeline_.watch()] {
            if (net::alive(w) && logins_done_) logins_done_();
        });
        return;
    }
    while (next_ < accounts_.size() && in_flight_ < max_in_flight_) start_next();
}

void Population::start_next() {
    if (closing_ || next_ >= accounts_.size()) return;
    const size_t slot = next_++;
    ++in_flight_;
    ++open_;
    clients_[slot] = std::make_unique<Client>(
        run_.client_setup(), accounts_[slot], slot,
        Client::Callbacks{
            .on_online = [this](Client& c) { on_online(c); },
            .on_stanza = [this](Client& c, xml::Element& e) {
                if (hooks_.on_stanza) hooks_.on_stanza(c, e);
            },
            .on_closed = [this](Client& c, const std::string& error) { on_closed(c, error); },
        });
    clients_[slot]->keep_roster(keep_rosters_);
    clients_[slot]->start();
}

Client* Population::online(size_t slot) {
    Client* c = slot < clients_.size() ? clients_[slot].get() : nullptr;
    return c && c->online() ? c : nullptr;
}

void Population::on_online(Client& c) {
    --in_flight_;
    ++online_count_;
    online_slots_.push_back(c.index());
    record_login(run_.report(), c);
    if (hooks_.on_online) hooks_.on_online(c);
    if (next_ < accounts_.size()) {
        start_next();
    } else if (in_flight_ == 0 && logins_done_) {
        login_seconds_ = seconds(Clock::now() - login_started_);
        auto done = std::move(logins_done_);
        logins_done_ = nullptr;
        done();
    }
}

void Population::on_closed(Client& c, const std::string& error) {
    const size_t slot = c.index();
    const bool was_online = c.milestones()[static_cast<size_t>(Phase::kPresence)] != Clock::time_point{};
    --open_;
    if (!was_online) {
        --in_flight_;
        ++failed_;
        run_.report().errors().add(error.empty() ? "login:closed" : error);
        run_.detail(c.account().node + ": login failed: " + error);
        if (!closing_ && next_ < accounts_.size()) {
            start_next();
        } else if (!closing_ && in_flight_ == 0 && logins_done_) {
            login_seconds_ = seconds(Clock::now() - login_started_);
            auto done = std::move(logins_done_);
            logins_done_ = nullptr;
            run_.loop().defer([done = std::move(done)] { done(); });
        }
    } else if (error.empty()) {
        // A clean close is always one this side asked for (Client::close: a
        // server that ends the stream first is an error), whether by
        // close_all or by a scenario done with one client, as the offline
        // recipients are once drained: not a lost session.
        --online_count_;
    } else if (!closing_) {
        ++lost_;
        --online_count_;
        run_.report().errors().add("session lost: " + error);
        run_.detail(c.account().node + ": session lost: " + error);
        if (hooks_.on_lost) hooks_.on_lost(c, error);
    } else {
        --online_count_;
        run_.report().errors().add("close: " + error);
    }
    // Destroyed from the loop, once its own callbacks have unwound.
    run_.loop().defer([this, w = lifeline_.watch(), slot] {
        if (net::alive(w)) clients_[slot].reset();
    });
    check_closed();
}

void Population::close_all(std::chrono::milliseconds timeout, std::function<void()> done) {
    closing_ = true;
    closed_done_ = std::move(done);
    close_timer_ = std::make_unique<net::Timer>(run_.loop(), [this] {
        size_t dropped = 0;
        for (auto& c : clients_) {
            if (c && c->state() != Client::State::kClosed) {
                c.reset();
                ++dropped;
            }
        }
        run_.report().errors().add("close: timed out", dropped);
        open_ = 0;
        check_closed();
    });
    close_timer_->start(timeout);
    for (auto& c : clients_) {
        if (c && c->state() != Client::State::kClosed) c->close();
    }
    check_closed();
}

void Population::check_closed() {
    if (!closing_ || open_ != 0 || !closed_done_) return;
    close_timer_->stop();
    auto done = std::move(closed_done_);
    closed_done_ = nullptr;
    run_.loop().defer([done = std::move(done)] { done(); });
}

}  // namespace jng::loadgen
