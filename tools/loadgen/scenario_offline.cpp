// offline: senders (the first --senders accounts) flood the other accounts,
// which are offline, with --messages-per-user messages each; the server
// stores them (XEP-0160). Senders go --window messages at a time, each batch
// followed by a ping to the server whose answer paces the next. Then every
// recipient logs in once and drains its queue. Every message is accounted
// for: stored (sent and not bounced) must equal drained.
#include "ns.hpp"
#include "population.hpp"
#include "scenarios.hpp"
#include "stanza.hpp"
#include "tag.hpp"

namespace jng::loadgen {

namespace {

constexpr std::string_view kPingPrefix = "lg-ping-";

class OfflineFlood {
public:
    OfflineFlood(Run& run, size_t sender_count)
        : run_(run),
          opts_(run.options()),
          senders_(run, {run.accounts().begin(), run.accounts().begin() + static_cast<std::ptrdiff_t>(sender_count)},
                   {.on_online = {},
                    .on_stanza = [this](Client& c, xml::Element& e) { on_sender_stanza(c, e); },
                    .on_lost = [this](Client& c, const std::string&) { on_sender_lost(c); }}),
          recipients_(run, {run.accounts().begin() + static_cast<std::ptrdiff_t>(sender_count), run.accounts().end()},
                      {.on_online = [this](Client& c) { on_recipient_online(c); },
                       .on_stanza = [this](Client& c, xml::Element& e) { on_recipient_stanza(c, e); },
                       .on_lost = {}}) {
        for (size_t i = 0; i < recipients_.size(); ++i) {
            bare_.push_back(recipients_.account(i).node + "@" + opts_.domain);
        }
        awaiting_ping_.assign(senders_.size(), false);
        expected_.assign(recipients_.size(), 0);
        received_.assign(recipients_.size(), 0);
        online_at_.assign(recipients_.size(), Clock::time_point{});
        done_.assign(recipients_.size(), false);
        total_ = recipients_.size() * opts_.messages_per_user;
    }

    void start() {
        run_.progress("offline: logging in " + std::to_string(senders_.size()) + " senders for " +
                      std::to_string(recipients_.size()) + " offline recipients");
        senders_.login_all(opts_.in_flight, [this] { begin_storing(); });
    }

    void expire() {
        run_.report().errors().add("run: time limit reached in the " + std::string(phase_name()) + " phase");
        finish();
    }

    void report() {
        Report& r = run_.report();
        uint64_t missing = 0;
        for (size_t i = 0; i < recipients_.size(); ++i) {
            if (received_[i] < expected_[i]) missing += expected_[i] - received_[i];
        }
        r.set("senders", senders_.size());
        r.set("recipients", recipients_.size());
        r.set("messages_per_user", opts_.messages_per_user);
        r.set("sent", sent_);
        r.set("rejected", rejected_);
        r.set("stored", sent_ - rejected_);
        r.set("store_s", store_s_);
        r.set("stored_per_s", per_second(sent_ - rejected_, store_s_));
        r.set("recipients_logged_in", recipients_logged_in_);
        r.set("drained", drained_);
        r.set("missing", missing);
        r.set("duplicates", duplicates_);
        r.set("stale", stale_);
        r.set("drain_s", drain_s_);
        r.set("drained_per_s", per_second(drained_, drain_s_));
        r.set("login_failed", senders_.failed_logins() + recipients_.failed_logins());
    }

private:
    enum class PhaseKind { kSenderLogin, kStoring, kDraining, kClosing, kDone };

    const char* phase_name() const {
        switch (phase_) {
            case PhaseKind::kSenderLogin: return "sender login";
            case PhaseKind::kStoring: return "storing";
            case PhaseKind::kDraining: return "draining";
            case PhaseKind::kClosing: return "closing";
            case PhaseKind::kDone: return "done";
        }
        return "?";
    }

    void begin_storing() {
        online_senders_ = senders_.online_slots();
        if (online_senders_.empty()) {
            run_.report().errors().add("offline: no sender could log in");
            finish();
            return;
        }
        phase_ = PhaseKind::kStoring;
        store_started_ = Clock::now();
        run_.progress("storing " + std::to_string(total_) + " messages");
        for (const size_t slot : online_senders_) send_batch(slot);
        check_stored();
    }

    // The next --window messages of the flood from this sender, then a ping.
    void send_batch(size_t slot) {
        Client* c = senders_.online(slot);
        if (!c) return;
        size_t n = 0;
        for (; n < opts_.window && next_message_ < total_; ++n) {
            const uint64_t k = next_message_++;
            const size_t to = k % recipients_.size();
            xml::Element m("message", ns::kClient);
            m.set_attr("to", bare_[to]).set_attr("type", "chat").set_attr("id", "o" + std::to_string(k));
            // The tag names the recipient as "sender": it is what is counted.
            m.add_text_child("body", format_tag({run_.run_id(), to, k, now_us()}));
            c->send(m);
            ++expected_[to];
            ++sent_;
        }
        if (n == 0) return;
        xml::Element ping("iq", ns::kClient);
        ping.set_attr("type", "get").set_attr("to", opts_.domain).set_attr("id", std::string(kPingPrefix) + std::to_string(slot));
        ping.add("ping", ns::kPing);
        c->send(ping);
        awaiting_ping_[slot] = true;
        ++pings_;
    }

    void on_sender_lost(Client& c) {
        if (!awaiting_ping_[c.index()]) return;
        awaiting_ping_[c.index()] = false;
        --pings_;
        check_stored();
    }

    void on_sender_stanza(Client& c, xml::Element& e) {
        const auto kind = stanza::kind_of(e);
        if (kind == stanza::Kind::kIq && e.attr("id").starts_with(kPingPrefix)) {
            if (!awaiting_ping_[c.index()]) return;
            awaiting_ping_[c.index()] = false;
            --pings_;
            if (phase_ == PhaseKind::kStoring) send_batch(c.index());
            check_stored();
            return;
        }
        if (kind == stanza::Kind::kMessage && e.attr("type") == "error") {
            const auto tag = parse_tag(e.child_text("body"));
            if (!tag || tag->run != run_.run_id() || tag->sender >= expected_.size()) return;
            ++rejected_;
            --expected_[tag->sender];
            run_.report().errors().add("message error: " + stanza::error_condition(e));
        }
    }

    void check_stored() {
        if (phase_ != PhaseKind::kStoring || pings_ != 0) return;
        if (next_message_ < total_ && senders_.online_count() > 0) return;
        store_s_ = seconds(Clock::now() - store_started_);
        phase_ = PhaseKind::kDraining;
        drain_started_ = Clock::now();
        run_.progress("stored " + std::to_string(sent_) + " in " + std::to_string(store_s_) +
                      " s; recipients log in to drain");
        sweep_ = std::make_unique<net::Timer>(run_.loop(), [this] { sweep(); });
        sweep_->start_repeating(std::chrono::milliseconds(250));
        recipients_.login_all(opts_.in_flight, [this] {
            logins_done_ = true;
            check_drained();
        });
    }

    void on_recipient_online(Client& c) {
        ++recipients_logged_in_;
        online_at_[c.index()] = Clock::now();
        maybe_done(c);
    }

    void on_recipient_stanza(Client& c, xml::Element& e) {
        if (stanza::kind_of(e) != stanza::Kind::kMessage || e.attr("type") == "error") return;
        const auto tag = parse_tag(e.child_text("body"));
        if (!tag) return;
        if (tag->run != run_.run_id()) {
            ++stale_;
            return;
        }
        const size_t r = c.index();
        if (tag->sender != r || received_[r] >= expected_[r]) {
            ++duplicates_;
            return;
        }
        ++received_[r];
        ++drained_;
        maybe_done(c);
    }

    // A recipient is done once it has all it was sent: it logs out. (It may
    // come online before its last offline messages arrive: they follow the
    // initial presence.)
    void maybe_done(Client& c) {
        const size_t r = c.index();
        if (done_[r] || !c.online() || received_[r] < expected_[r]) return;
        done_[r] = true;
        ++recipients_done_;
        if (online_at_[r] != Clock::time_point{}) {
            run_.report().latency("drain").record(static_cast<uint64_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - c.started()).count()));
        }
        c.close();
        check_drained();
    }

    // Recipients that still miss messages --drain seconds after logging in
    // are given up on (the missing count says how many).
    void sweep() {
        const auto now = Clock::now();
        for (size_t r = 0; r < recipients_.size(); ++r) {
            if (done_[r] || online_at_[r] == Clock::time_point{}) continue;
            if (seconds(now - online_at_[r]) < opts_.drain) continue;
            done_[r] = true;
            ++recipients_done_;
            run_.report().errors().add("offline: messages missing after the drain period");
            if (Client* c = recipients_.online(r)) c->close();
        }
        check_drained();
    }

    void check_drained() {
        if (phase_ != PhaseKind::kDraining || !logins_done_) return;
        if (recipients_done_ + recipients_.failed_logins() < recipients_.size()) return;
        drain_s_ = seconds(Clock::now() - drain_started_);
        phase_ = PhaseKind::kClosing;
        sweep_->stop();
        run_.progress("drained " + std::to_string(drained_) + " of " + std::to_string(sent_ - rejected_) +
                      " in " + std::to_string(drain_s_) + " s; closing");
        const auto timeout = run_.client_setup().step_timeout;
        recipients_.close_all(timeout, [this, timeout] {
            senders_.close_all(timeout, [this] { finish(); });
        });
    }

    void finish() {
        if (phase_ == PhaseKind::kDone) return;
        phase_ = PhaseKind::kDone;
        if (sweep_) sweep_->stop();
        run_.stop();
    }

    Run& run_;
    const Options& opts_;
    Population senders_;
    Population recipients_;
    std::vector<std::string> bare_;
    std::vector<size_t> online_senders_;
    std::vector<uint64_t> expected_, received_;
    std::vector<Clock::time_point> online_at_;
    std::vector<bool> done_;
    std::vector<bool> awaiting_ping_;
    PhaseKind phase_ = PhaseKind::kSenderLogin;
    std::unique_ptr<net::Timer> sweep_;
    Clock::time_point store_started_{}, drain_started_{};
    uint64_t total_ = 0, next_message_ = 0, sent_ = 0, rejected_ = 0, pings_ = 0;
    uint64_t drained_ = 0, duplicates_ = 0, stale_ = 0;
    size_t recipients_logged_in_ = 0, recipients_done_ = 0;
    bool logins_done_ = false;
    double store_s_ = 0, drain_s_ = 0;
};

}  // namespace

Status run_offline(Run& run) {
    const Options& o = run.options();
    const size_t n = run.accounts().size();
    if (n < 2) return fail("offline needs at least two accounts in this shard");
    size_t senders = o.senders ? o.senders : std::max<size_t>(1, n / 10);
    if (senders >= n) return fail("--senders must leave some accounts to receive");
    OfflineFlood flood(run, senders);
    flood.start();
    run.run_loop(to_ms(2 * o.setup_timeout + o.duration + o.drain) + run.client_setup().step_timeout * 2,
                 [&] { flood.expire(); });
    flood.report();
    return {};
}

}  // namespace jng::loadgen
