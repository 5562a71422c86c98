// presence: online users whose rosters hold each other (create them with
// roster-setup) change their presence; the server broadcasts each change
// to every contact subscribed to it (RFC 6121 §4.4.2). Closed loop: a user
// has --window changes whose fan-out is not yet complete; open loop: --rate
// changes per second in all. Every delivery is counted against the fan-out
// its sender's roster predicts; what has not arrived after the drain is
// missing.
#include <unordered_map>

#include "jid.hpp"
#include "ns.hpp"
#include "pacer.hpp"
#include "population.hpp"
#include "scenarios.hpp"
#include "stanza.hpp"
#include "tag.hpp"

namespace jng::loadgen {

namespace {

class PresenceFanout {
public:
    explicit PresenceFanout(Run& run)
        : run_(run),
          opts_(run.options()),
          population_(run, run.accounts(),
                      {.on_online = {},
                       .on_stanza = [this](Client& c, xml::Element& e) { on_stanza(c, e); },
                       .on_lost = {}}),
          pacer_(run.loop(), opts_) {
        population_.keep_rosters(true);
        users_.resize(population_.size());
        for (size_t i = 0; i < population_.size(); ++i) {
            auto jid = Jid::make(population_.account(i).node, opts_.domain);
            if (jid) slot_of_.emplace(jid->str(), i);
        }
    }

    void start() {
        run_.progress("presence: logging in " + std::to_string(population_.size()) + " users");
        drain_timer_ = std::make_unique<net::Timer>(run_.loop(), [this] { close_all(); });
        population_.login_all(opts_.in_flight, [this] { begin_sending(); });
    }

    void expire() {
        if (phase_ == PhaseKind::kLogin || phase_ == PhaseKind::kSending) {
            run_.report().errors().add("run: time limit reached before the drain");
        }
        finish();
    }

    void report() {
        Report& r = run_.report();
        r.set("users", population_.size());
        r.set("online", population_.online_slots().size());
        r.set("login_failed", population_.failed_logins());
        r.set("login_s", population_.login_seconds());
        r.set("mode", opts_.rate > 0 ? "rate" : "window");
        r.set("subscribers_per_user", subscribers_avg_);
        r.set("senders", senders_.size());
        r.set("changes_sent", changes_);
        r.set("expected_deliveries", expected_);
        r.set("delivered", delivered_);
        r.set("missing", missing_);
        r.set("unexpected", unexpected_);
        r.set("echoes", echoes_);
        r.set("measured_s", measured_s_);
        r.set("changes_per_s", per_second(changes_measured_, measured_s_));
        r.set("delivered_per_s", per_second(delivered_measured_, measured_s_));
        r.set("sessions_lost", population_.lost_sessions());
    }

private:
    enum class PhaseKind { kLogin, kSending, kDraining, kClosing, kDone };

    struct User {
        std::vector<size_t> subscribers;  // slots of contacts that get our presence
        uint64_t next_seq = 0;
        uint32_t in_flight = 0;
        std::unordered_map<uint64_t, uint32_t> remaining;  // per change: deliveries still due
    };

    void begin_sending() {
        // Who receives whose presence: the contacts with a 'from' (or
        // 'both') subscription in each user's roster, where online here.
        size_t total = 0;
        for (const size_t slot : population_.online_slots()) {
            Client* c = population_.online(slot);
            if (!c) continue;
            for (const RosterItem& item : c->roster()) {
                if (item.subscription != "from" && item.subscription != "both") continue;
                const auto it = slot_of_.find(item.jid);
                if (it != slot_of_.end() && population_.online(it->second)) {
                    users_[slot].subscribers.push_back(it->second);
                }
            }
            c->roster().clear();
            total += users_[slot].subscribers.size();
            if (!users_[slot].subscribers.empty()) senders_.push_back(slot);
        }
        const size_t online = population_.online_slots().size();
        subscribers_avg_ = online ? static_cast<double>(total) / static_cast<double>(online) : 0.0;
        run_.progress(std::to_string(online) + " online, " + std::to_string(senders_.size()) +
                      " with subscribers online (" + std::to_string(subscribers_avg_) +
                      " each on average); changing presence for " +
                      std::to_string(opts_.warmup + opts_.duration) + " s");
        if (senders_.empty()) {
            run_.report().errors().add("presence: nobody has an online subscriber (run roster-setup first)");
            finish();
            return;
        }
        phase_ = PhaseKind::kSending;
        pacer_.start([this] { on_tick(); }, [this] { begin_drain(); });
        if (opts_.rate == 0) {
            for (const size_t slot : senders_) {
                for (size_t k = 0; k < opts_.window; ++k) change(slot, now_us());
            }
        }
    }

    void on_tick() {
        std::uniform_int_distribution<size_t> pick(0, senders_.size() - 1);
        pacer_.due(
            now_us(), outstanding_,
            [&](uint64_t at) { change(senders_[pick(run_.rng())], at); }, [] {});
    }

    void change(size_t slot, uint64_t stamp_us) {
        Client* c = population_.online(slot);
        if (!c) return;
        User& u = users_[slot];
        uint32_t due = 0;
        for (const size_t s : u.subscribers) due += population_.online(s) ? 1 : 0;
        if (due == 0) return;
        const uint64_t seq = u.next_seq++;
        xml::Element p("presence", ns::kClient);
        p.add_text_child("show", seq % 2 ? "chat" : "away");
        p.add_text_child("status", format_tag({run_.run_id(), slot, seq, stamp_us}));
        c->send(p);
        u.remaining.emplace(seq, due);
        ++u.in_flight;
        ++changes_;
        expected_ += due;
        outstanding_ += due;
        if (pacer_.measured(stamp_us)) ++changes_measured_;
    }

    void on_stanza(Client& c, xml::Element& e) {
        if (stanza::kind_of(e) != stanza::Kind::kPresence || !e.attr("type").empty()) return;
        const auto tag = parse_tag(e.child_text("status"));
        if (!tag || tag->run != run_.run_id()) return;  // initial presence, other runs
        if (tag->sender == c.index()) {
            ++echoes_;  // §4.4.2: our own resources get it too
            return;
        }
        if (tag->sender >= users_.size()) {
            ++unexpected_;
            return;
        }
        User& u = users_[tag->sender];
        const auto it = u.remaining.find(tag->seq);
        if (it == u.remaining.end() || it->second == 0) {
            ++unexpected_;
            return;
        }
        const uint64_t now = now_us();
        ++delivered_;
        --outstanding_;
        if (pacer_.measured(now)) ++delivered_measured_;
        if (pacer_.measured(tag->sent_us)) {
            run_.report().latency("presence").record(now > tag->sent_us ? now - tag->sent_us : 0);
        }
        if (--it->second > 0) return;
        u.remaining.erase(it);
        --u.in_flight;
        if (phase_ == PhaseKind::kSending && opts_.rate == 0) change(tag->sender, now);
        if (phase_ == PhaseKind::kDraining && outstanding_ == 0) close_all();
    }

    void begin_drain() {
        if (phase_ != PhaseKind::kSending) return;
        phase_ = PhaseKind::kDraining;
        pacer_.stop_ticks();
        measured_s_ = opts_.duration;
        if (outstanding_ == 0) {
            close_all();
            return;
        }
        drain_timer_->start(to_ms(opts_.drain));
    }

    void close_all() {
        if (phase_ == PhaseKind::kClosing || phase_ == PhaseKind::kDone) return;
        phase_ = PhaseKind::kClosing;
        missing_ = outstanding_;
        run_.progress(std::to_string(changes_) + " changes, " + std::to_string(delivered_) + " of " +
                      std::to_string(expected_) + " deliveries; closing sessions");
        population_.close_all(run_.client_setup().step_timeout, [this] { finish(); });
    }

    void finish() {
        if (phase_ == PhaseKind::kDone) return;
        if (phase_ != PhaseKind::kClosing) missing_ = outstanding_;
        phase_ = PhaseKind::kDone;
        pacer_.stop_ticks();
        run_.stop();
    }

    Run& run_;
    const Options& opts_;
    Population population_;
    std::unordered_map<std::string, size_t> slot_of_;
    std::vector<User> users_;
    std::vector<size_t> senders_;
    double subscribers_avg_ = 0;
    PhaseKind phase_ = PhaseKind::kLogin;
    std::unique_ptr<net::Timer> drain_timer_;
    Pacer pacer_;
    uint64_t outstanding_ = 0;
    uint64_t changes_ = 0, changes_measured_ = 0, expected_ = 0, delivered_ = 0, delivered_measured_ = 0;
    uint64_t missing_ = 0, unexpected_ = 0, echoes_ = 0;
    double measured_s_ = 0;
};

}  // namespace

Status run_presence(Run& run) {
    const Options& o = run.options();
    PresenceFanout fanout(run);
    fanout.start();
    run.run_loop(to_ms(o.setup_timeout + o.warmup + o.duration + o.drain) + run.client_setup().step_timeout,
                 [&] { fanout.expire(); });
    fanout.report();
    return {};
}

}  // namespace jng::loadgen
