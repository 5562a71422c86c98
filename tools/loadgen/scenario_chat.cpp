// chat: --users sessions online, each message to a random other online
// user, either at --rate messages per second in all (open loop: messages
// go out on schedule whatever the server does, so a slow server shows as
// latency, not as a lower rate; each is stamped when it is written, and
// how late the schedule ran is reported as send_lag) or as fast as the
// server takes them with
// --window messages in flight per user (closed loop). Every message carries
// its sender, sequence number and send time; after a drain period what was
// sent and not received is lost.
#include "outstanding.hpp"
#include "pacer.hpp"
#include "population.hpp"
#include "scenarios.hpp"
#include "stanza.hpp"
#include "tag.hpp"
#include "xml/serializer.hpp"

namespace jng::loadgen {

namespace {

class Chat {
public:
    explicit Chat(Run& run)
        : run_(run),
          opts_(run.options()),
          population_(run, run.accounts(),
                      {.on_online = {},
                       .on_stanza = [this](Client& c, xml::Element& e) { on_stanza(c, e); },
                       .on_lost = {}}),
          pacer_(run.loop(), opts_) {
        senders_.resize(population_.size());
        for (size_t i = 0; i < population_.size(); ++i) {
            std::string& head = heads_.emplace_back("<message type='chat' to='");
            xml::append_escaped_attr(head, population_.account(i).node + "@" + opts_.domain);
            head.append("' id='c");
        }
    }

    void start() {
        run_.progress("chat: logging in " + std::to_string(population_.size()) + " users");
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
        r.set("online", online_.size());
        r.set("login_failed", population_.failed_logins());
        r.set("login_s", population_.login_seconds());
        r.set("mode", opts_.rate > 0 ? "rate" : "window");
        r.set("sent", sent_);
        r.set("delivered", delivered_);
        r.set("lost", lost_);
        r.set("bounced", bounced_);
        r.set("duplicates", duplicates_);
        r.set("stale", stale_);
        r.set("skipped", skipped_);
        r.set("measured_s", measured_s_);
        r.set("sent_per_s", per_second(sent_measured_, measured_s_));
        r.set("delivered_per_s", per_second(delivered_measured_, measured_s_));
        r.set("sessions_lost", population_.lost_sessions());
    }

private:
    enum class PhaseKind { kLogin, kSending, kDraining, kClosing, kDone };

    struct Sender {
        uint64_t next_seq = 0;
        uint32_t in_flight = 0;
        Outstanding outstanding;
    };

    void begin_sending() {
        online_ = population_.online_slots();
        run_.progress(std::to_string(online_.size()) + " online (" +
                      std::to_string(population_.failed_logins()) + " failed) in " +
                      std::to_string(population_.login_seconds()) + " s; sending for " +
                      std::to_string(opts_.warmup + opts_.duration) + " s");
        if (online_.size() < 2) {
            run_.report().errors().add("chat: fewer than two users online");
            finish();
            return;
        }
        phase_ = PhaseKind::kSending;
        pacer_.start([this] { on_tick(); }, [this] { begin_drain(); });
        if (opts_.rate == 0) {
            for (const size_t slot : online_) {
                for (size_t k = 0; k < opts_.window; ++k) send_from(slot, now_us());
            }
        }
    }

    void on_tick() {
        const uint64_t now = now_us();
        std::uniform_int_distribution<size_t> pick(0, online_.size() - 1);
        pacer_.due(
            now, outstanding_,
            [&](uint64_t at) {
                // Stamped when it goes out: what the server and the network
                // take, not how late this loop's tick came round; that
                // lateness is measured on its own (send_lag).
                run_.report().latency("send_lag").record(now > at ? now - at : 0);
                send_from(online_[pick(run_.rng())], now);
            },
            [this] { ++skipped_; });
    }

    void send_from(size_t slot, uint64_t stamp_us) {
        Client* c = population_.online(slot);
        if (!c) return;
        std::uniform_int_distribution<size_t> pick(0, online_.size() - 1);
        size_t to = slot;
        while (to == slot) to = online_[pick(run_.rng())];
        Sender& s = senders_[slot];
        const uint64_t seq = s.next_seq++;
        // Written out rather than built as an element and serialized: the
        // generator's time per message is time the server under test does
        // not get on a shared machine.
        out_.assign(heads_[to]);
        out_.append(std::to_string(seq)).append("'><body>");
        append_tag(out_, {run_.run_id(), slot, seq, stamp_us}, opts_.body_bytes);
        out_.append("</body></message>");
        c->send_raw(out_);
        s.outstanding.add(seq);
        ++s.in_flight;
        ++outstanding_;
        ++sent_;
        if (pacer_.measured(stamp_us)) ++sent_measured_;
    }

    void on_stanza(Client&, xml::Element& e) {
        if (stanza::kind_of(e) != stanza::Kind::kMessage) return;
        const auto tag = parse_tag(e.child_text("body"));
        if (!tag) return;
        if (tag->run != run_.run_id() || tag->sender >= senders_.size()) {
            ++stale_;
            return;
        }
        Sender& s = senders_[tag->sender];
        if (!s.outstanding.remove(tag->seq)) {
            ++duplicates_;
            return;
        }
        --outstanding_;
        --s.in_flight;
        const uint64_t now = now_us();
        if (e.attr("type") == "error") {
            ++bounced_;
            run_.report().errors().add("message error: " + stanza::error_condition(e));
        } else {
            ++delivered_;
            if (pacer_.measured(now)) ++delivered_measured_;
            if (pacer_.measured(tag->sent_us)) {
                run_.report().latency("message").record(now > tag->sent_us ? now - tag->sent_us : 0);
            }
        }
        if (phase_ == PhaseKind::kSending && opts_.rate == 0) send_from(tag->sender, now);
        if (phase_ == PhaseKind::kDraining && outstanding_ == 0) close_all();
    }

    void begin_drain() {
        if (phase_ != PhaseKind::kSending) return;
        phase_ = PhaseKind::kDraining;
        pacer_.stop_ticks();
        measured_s_ = opts_.duration;
        run_.progress("sent " + std::to_string(sent_) + ", " + std::to_string(outstanding_) +
                      " under way; draining for up to " + std::to_string(opts_.drain) + " s");
        if (outstanding_ == 0) {
            close_all();
            return;
        }
        drain_timer_->start(to_ms(opts_.drain));
    }

    void close_all() {
        if (phase_ == PhaseKind::kClosing || phase_ == PhaseKind::kDone) return;
        phase_ = PhaseKind::kClosing;
        lost_ = outstanding_;
        run_.progress("delivered " + std::to_string(delivered_) + ", lost " + std::to_string(lost_) +
                      "; closing sessions");
        population_.close_all(run_.client_setup().step_timeout, [this] { finish(); });
    }

    void finish() {
        if (phase_ == PhaseKind::kDone) return;
        if (phase_ != PhaseKind::kClosing) lost_ = outstanding_;
        phase_ = PhaseKind::kDone;
        pacer_.stop_ticks();
        run_.stop();
    }

    Run& run_;
    const Options& opts_;
    Population population_;
    std::vector<std::string> heads_;  // each user's "<message ... to='USER' id='c"
    std::string out_;
    std::vector<Sender> senders_;
    std::vector<size_t> online_;
    PhaseKind phase_ = PhaseKind::kLogin;
    std::unique_ptr<net::Timer> drain_timer_;
    Pacer pacer_;
    uint64_t outstanding_ = 0;
    uint64_t sent_ = 0, sent_measured_ = 0, delivered_ = 0, delivered_measured_ = 0;
    uint64_t lost_ = 0, bounced_ = 0, duplicates_ = 0, stale_ = 0, skipped_ = 0;
    double measured_s_ = 0;
};

}  // namespace

Status run_chat(Run& run) {
    const Options& o = run.options();
    if (run.accounts().size() < 2) return fail("chat needs at least two users in this shard");
    Chat chat(run);
    chat.start();
    run.run_loop(to_ms(o.setup_timeout + o.warmup + o.duration + o.drain) + run.client_setup().step_timeout,
                 [&] { chat.expire(); });
    chat.report();
    return {};
}

}  // namespace jng::loadgen
