// roster-setup: makes the rosters the presence scenario needs, through the
// protocol (RFC 6121 §3), so it works the same against any server: the
// accounts form a ring, and each user subscribes to the --contacts/2 users
// after it; whoever receives a request approves it and asks back, so every
// pair ends with subscription 'both'. A user is complete when roster pushes
// (or the roster it found at login) show 'both' for all its --contacts
// neighbours. Running it again changes nothing.
#include <unordered_set>

#include "jid.hpp"
#include "ns.hpp"
#include "population.hpp"
#include "scenarios.hpp"
#include "stanza.hpp"

namespace jng::loadgen {

namespace {

class RosterSetup {
public:
    explicit RosterSetup(Run& run)
        : run_(run),
          opts_(run.options()),
          population_(run, run.accounts(),
                      {.on_online = {},
                       .on_stanza = [this](Client& c, xml::Element& e) { on_stanza(c, e); },
                       .on_lost = {}}) {
        population_.keep_rosters(true);
        const size_t n = population_.size();
        half_ = opts_.contacts / 2;
        bare_.resize(n);
        for (size_t i = 0; i < n; ++i) {
            auto jid = Jid::make(population_.account(i).node, opts_.domain);
            bare_[i] = jid ? jid->str() : population_.account(i).node + "@" + opts_.domain;
        }
        users_.resize(n);
        for (size_t i = 0; i < n; ++i) {
            for (size_t d = 1; d <= half_; ++d) {
                users_[i].wanted.insert(bare_[(i + d) % n]);
                users_[i].wanted.insert(bare_[(i + n - d) % n]);
            }
        }
    }

    void start() {
        run_.progress("roster-setup: " + std::to_string(population_.size()) + " users, " +
                      std::to_string(opts_.contacts) + " contacts each");
        population_.login_all(opts_.in_flight, [this] { subscribe_all(); });
    }

    void expire() {
        run_.report().errors().add("roster-setup: time limit reached before every roster was complete");
        finish();
    }

    void report() {
        Report& r = run_.report();
        size_t both = 0;
        for (const auto& u : users_) both += u.both.size();
        r.set("users", population_.size());
        r.set("contacts", opts_.contacts);
        r.set("online", population_.online_slots().size());
        r.set("login_failed", population_.failed_logins());
        r.set("subscribe_sent", subscribes_);
        r.set("subscribed_sent", approvals_);
        r.set("users_complete", complete_);
        r.set("subscriptions_both", both);
        r.set("elapsed_s", elapsed_);
    }

private:
    struct User {
        std::unordered_set<std::string> wanted;  // ring neighbours
        std::unordered_set<std::string> both;    // of those, subscribed both ways
        std::unordered_set<std::string> asked;   // we sent (or had) a request to them
        bool complete = false;
    };

    void subscribe_all() {
        started_ = Clock::now();
        phase_ = Phase::kSubscribing;
        const size_t n = population_.size();
        // What the rosters already hold (a second run finds everything done).
        for (const size_t slot : population_.online_slots()) {
            Client* c = population_.online(slot);
            if (!c) continue;
            for (const RosterItem& item : c->roster()) note_item(slot, item.jid, item.subscription, item.ask);
            c->roster().clear();
        }
        for (const size_t slot : population_.online_slots()) {
            for (size_t d = 1; d <= half_; ++d) subscribe(slot, bare_[(slot + d) % n]);
        }
        run_.progress(std::to_string(subscribes_) + " subscription requests sent");
        check_done();
    }

    void subscribe(size_t slot, const std::string& to) {
        User& u = users_[slot];
        if (u.both.contains(to) || !u.asked.insert(to).second) return;
        Client* c = population_.online(slot);
        if (!c) return;
        xml::Element p("presence", ns::kClient);
        p.set_attr("to", to).set_attr("type", "subscribe");
        c->send(p);
        ++subscribes_;
    }

    void note_item(size_t slot, const std::string& jid, std::string_view subscription, bool ask) {
        User& u = users_[slot];
        if (subscription == "to" || subscription == "both" || ask) u.asked.insert(jid);
        if (subscription == "both" && u.wanted.contains(jid)) u.both.insert(jid);
        if (!u.complete && u.both.size() == u.wanted.size()) {
            u.complete = true;
            ++complete_;
        }
    }

    void on_stanza(Client& c, xml::Element& e) {
        const size_t slot = c.index();
        const auto kind = stanza::kind_of(e);
        if (kind == stanza::Kind::kIq && e.attr("type") == "set") {
            // A roster push (the client has acknowledged it already).
            if (const xml::Element* q = e.child("query", ns::kRoster)) {
                for (const auto& item : q->elements()) {
                    if (item.name() != "item") continue;
                    note_item(slot, std::string(item.attr("jid")), item.attr("subscription", "none"),
                              item.attr("ask") == "subscribe");
                }
            }
            check_done();
            return;
        }
        if (kind != stanza::Kind::kPresence || e.attr("type") != "subscribe") return;
        const std::string from(e.attr("from"));
        const std::string bare = from.substr(0, from.find('/'));
        // Approve, and ask back (RFC 6121 §3.1.5, then §3.1.1 the other way).
        xml::Element ok("presence", ns::kClient);
        ok.set_attr("to", bare).set_attr("type", "subscribed");
        c.send(ok);
        ++approvals_;
        subscribe(slot, bare);
    }

    void check_done() {
        if (phase_ != Phase::kSubscribing) return;
        if (complete_ < population_.online_slots().size()) return;
        elapsed_ = seconds(Clock::now() - started_);
        phase_ = Phase::kClosing;
        run_.progress(std::to_string(complete_) + " rosters complete in " + std::to_string(elapsed_) + " s; closing");
        population_.close_all(run_.client_setup().step_timeout, [this] { finish(); });
    }

    void finish() {
        if (phase_ == Phase::kDone) return;
        if (phase_ == Phase::kSubscribing) elapsed_ = seconds(Clock::now() - started_);
        phase_ = Phase::kDone;
        run_.stop();
    }

    enum class Phase { kLogin, kSubscribing, kClosing, kDone };

    Run& run_;
    const Options& opts_;
    Population population_;
    size_t half_ = 0;
    std::vector<std::string> bare_;
    std::vector<User> users_;
    Phase phase_ = Phase::kLogin;
    Clock::time_point started_{};
    size_t subscribes_ = 0, approvals_ = 0, complete_ = 0;
    double elapsed_ = 0;
};

}  // namespace

Status run_roster_setup(Run& run) {
    const Options& o = run.options();
    const size_t n = run.accounts().size();
    if (o.contacts == 0) return fail("--contacts must be at least 2");
    if (o.contacts > n - 1) {
        return fail("--contacts " + std::to_string(o.contacts) + " needs at least " +
                    std::to_string(o.contacts + 1) + " accounts in this shard");
    }
    RosterSetup setup(run);
    setup.start();
    run.run_loop(to_ms(2 * o.setup_timeout) + run.client_setup().step_timeout, [&] { setup.expire(); });
    setup.report();
    return {};
}

}  // namespace jng::loadgen
