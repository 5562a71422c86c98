// One domain's lookup, from the two SRV queries to the Answer: both SRV
// services in parallel, then A and AAAA of every target (or, without SRV
// records, of the domain itself), then the ordered targets. Deadlines and
// caching belong to the caller; this only follows the DNS.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "answer.hpp"
#include "dns.hpp"
#include "log.hpp"
#include "net/loop.hpp"
#include "srv.hpp"

namespace jng::resolver {

struct LookupLimits {
    size_t max_targets = 16;    // SRV targets resolved, after ordering
    size_t max_addresses = 64;  // entries in one answer
};

class Lookup {
public:
    enum class State { kIdle, kSrv, kAddresses, kDone };
    using Done = std::function<void(Answer)>;

    // `name` is the domain in DNS (ASCII) form. `done` is called once, as
    // the last thing the Lookup does; it may destroy the Lookup.
    Lookup(DnsClient& dns, Log& log, std::string name, LookupLimits limits, Rng rng, Done done);
    Lookup(const Lookup&) = delete;
    Lookup& operator=(const Lookup&) = delete;

    void start();
    State state() const { return state_; }

private:
    struct Host {
        std::string name;
        AddressAnswer v4;
        AddressAnswer v6;
    };

    void set_state(State next);
    void on_srv(Tls tls, SrvAnswer answer);
    void after_srv();
    void resolve(std::vector<Candidate> candidates);
    void after_addresses();
    void finish(Answer answer);

    DnsClient& dns_;
    Log& log_;
    std::string name_;
    LookupLimits limits_;
    Rng rng_;
    Done done_;
    State state_ = State::kIdle;
    size_t pending_ = 0;
    SrvAnswer direct_;    // _xmpps-server
    SrvAnswer starttls_;  // _xmpp-server
    bool fallback_ = false;  // no SRV: the domain's own addresses
    bool degraded_ = false;  // one SRV query failed, the other gave targets
    std::vector<Candidate> candidates_;
    std::vector<Host> hosts_;
    net::Lifeline lifeline_;
};

std::string_view to_string(Lookup::State s);

}  // namespace jng::resolver
