// Lookup: the decisions of RFC 6120 §3.2 and XEP-0368 over DNS answers.
#include "lookup.hpp"

#include <algorithm>
#include <limits>

namespace jng::resolver {

namespace {
constexpr std::string_view kDirectService = "_xmpps-server._tcp.";
constexpr std::string_view kStartTlsService = "_xmpp-server._tcp.";
constexpr uint32_t kNoTtl = std::numeric_limits<uint32_t>::max();
}  // namespace

std::string_view to_string(Lookup::State s) {
    switch (s) {
        case Lookup::State::kIdle: return "idle";
        case Lookup::State::kSrv: return "srv";
        case Lookup::State::kAddresses: return "addresses";
        case Lookup::State::kDone: return "done";
    }
    return "?";
}

Lookup::Lookup(DnsClient& dns, Log& log, std::string name, LookupLimits limits, Rng rng, Done done)
    : dns_(dns),
      log_(log),
      name_(std::move(name)),
      limits_(limits),
      rng_(std::move(rng)),
      done_(std::move(done)) {}

void Lookup::set_state(State next) {
    // Forward only, one step at a time, except that a lookup may finish
    // from any state.
    const bool legal = next == State::kDone ||
                       (state_ == State::kIdle && next == State::kSrv) ||
                       (state_ == State::kSrv && next == State::kAddresses);
    if (!legal) {
        log_.error("lookup {}: illegal state change {} -> {}", name_, to_string(state_),
                   to_string(next));
    }
    state_ = next;
}

void Lookup::start() {
    set_state(State::kSrv);
    pending_ = 2;
    const auto w = lifeline_.watch();
    dns_.query_srv(std::string(kDirectService) + name_, [this, w](SrvAnswer a) {
        if (net::alive(w)) on_srv(Tls::kDirect, std::move(a));
    });
    dns_.query_srv(std::string(kStartTlsService) + name_, [this, w](SrvAnswer a) {
        if (net::alive(w)) on_srv(Tls::kStartTls, std::move(a));
    });
}

void Lookup::on_srv(Tls tls, SrvAnswer answer) {
    if (state_ != State::kSrv) return;
    log_.debug("lookup {}: {} SRV: {} ({} records)", name_, to_string(tls),
               to_string(answer.status), answer.records.size());
    (tls == Tls::kDirect ? direct_ : starttls_) = std::move(answer);
    if (--pending_ == 0) after_srv();
}

void Lookup::after_srv() {
    SrvSet direct = classify_srv(direct_, Tls::kDirect);
    SrvSet starttls = classify_srv(starttls_, Tls::kStartTls);
    auto either = [&](SrvVerdict v) { return direct.verdict == v || starttls.verdict == v; };

    if (either(SrvVerdict::kTargets)) {
        // XEP-0368 §3: one set; a '.' for one service only says that
        // service is not offered, the other's targets stand.
        std::vector<Candidate> all = std::move(direct.candidates);
        all.insert(all.end(), std::make_move_iterator(starttls.candidates.begin()),
                   std::make_move_iterator(starttls.candidates.end()));
        degraded_ = either(SrvVerdict::kFailed);
        resolve(order_candidates(std::move(all), rng_));
        return;
    }
    // A failed SRV query could have held targets: say so rather than guess.
    // Falling back to the domain's address here could reach a host the
    // domain never delegated XMPP to.
    if (either(SrvVerdict::kFailed)) {
        const SrvAnswer& bad = is_failure(direct_.status) ? direct_ : starttls_;
        finish(Answer::timeout("SRV lookup for " + name_ + " failed: " +
                               std::string(to_string(bad.status))));
        return;
    }
    // XEP-0368 §4: after a '.' no A/AAAA fallback.
    if (either(SrvVerdict::kNoService)) {
        finish(Answer::not_found(name_ + " offers no XMPP server service (SRV target '.')"));
        return;
    }
    if (either(SrvVerdict::kUnusable)) {
        finish(Answer::not_found(name_ + " publishes no usable SRV record"));
        return;
    }
    // RFC 6120 §3.2.2: no SRV records at all, the domain itself on 5269.
    fallback_ = true;
    resolve({Candidate{name_, kDefaultPort, 0, 0, Tls::kStartTls, kNoTtl}});
}

void Lookup::resolve(std::vector<Candidate> candidates) {
    set_state(State::kAddresses);
    if (candidates.size() > limits_.max_targets) candidates.resize(limits_.max_targets);
    candidates_ = std::move(candidates);
    // Each host once, however many records name it.
    for (const Candidate& c : candidates_) {
        const bool known = std::any_of(hosts_.begin(), hosts_.end(),
                                       [&](const Host& h) { return h.name == c.host; });
        if (!known) hosts_.push_back(Host{c.host, {}, {}});
    }
    pending_ = hosts_.size() * 2;
    const auto w = lifeline_.watch();
    for (size_t i = 0; i < hosts_.size(); ++i) {
        for (const Family f : {Family::kIpv6, Family::kIpv4}) {
            dns_.query_address(hosts_[i].name, f, [this, w, i, f](AddressAnswer a) {
                if (!net::alive(w) || state_ != State::kAddresses) return;
                (f == Family::kIpv4 ? hosts_[i].v4 : hosts_[i].v6) = std::move(a);
                if (--pending_ == 0) after_addresses();
            });
        }
    }
}

void Lookup::after_addresses() {
    std::vector<Target> targets;
    uint32_t ttl = kNoTtl;
    bool failed = false;
    DnsStatus failure = DnsStatus::kTimeout;
    for (const Candidate& c : candidates_) {
        const auto host = std::find_if(hosts_.begin(), hosts_.end(),
                                       [&](const Host& h) { return h.name == c.host; });
        for (const AddressAnswer* a : {&host->v6, &host->v4}) {
            if (is_failure(a->status)) {
                failed = true;
                failure = a->status;
            }
        }
        bool used = false;
        for (const AddressRecord& a : interleave_families(host->v6.records, host->v4.records)) {
            if (targets.size() == limits_.max_addresses) break;
            Target t{c.host, a.address, c.port, c.tls};
            if (std::find(targets.begin(), targets.end(), t) != targets.end()) continue;
            targets.push_back(std::move(t));
            ttl = std::min(ttl, a.ttl);
            used = true;
        }
        if (used) ttl = std::min(ttl, c.ttl);
    }
    log_.debug("lookup {}: {} targets from {} hosts{}", name_, targets.size(), hosts_.size(),
               fallback_ ? " (no SRV, the domain's own addresses)" : "");
    if (!targets.empty()) {
        finish(Answer::found(std::move(targets), ttl, degraded_ || failed));
    } else if (failed) {
        finish(Answer::timeout("address lookup for " + name_ + " failed: " +
                               std::string(to_string(failure))));
    } else if (fallback_) {
        finish(Answer::not_found(name_ + " has no SRV records and no address"));
    } else {
        finish(Answer::not_found("no SRV target of " + name_ + " has an address"));
    }
}

void Lookup::finish(Answer answer) {
    set_state(State::kDone);
    // The caller may destroy us from `done`: nothing of ours after it.
    auto done = std::move(done_);
    if (done) done(std::move(answer));
}

}  // namespace jng::resolver
