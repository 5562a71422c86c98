// The resolver as a router component: reads resolve requests (iq get,
// docs/protocol.md "Resolver requests"), answers from overrides, IP
// literals and the cache, or starts one lookup per domain that every
// request for that domain waits on, bounded by a deadline.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cache.hpp"
#include "component/link.hpp"
#include "dns.hpp"
#include "log.hpp"
#include "lookup.hpp"
#include "net/loop.hpp"
#include "resolver_config.hpp"
#include "srv.hpp"
#include "xml/element.hpp"

namespace jng::resolver {

class Service {
public:
    using Sender = std::function<void(const xml::Element&)>;

    Service(net::Loop& loop, Log& log, ResolverConfig config, std::unique_ptr<DnsClient> dns,
            Clock clock, Rng rng);
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    // Connects to the router (and says READY=1 once there).
    void start();
    // Answers what is still waiting, then leaves the router.
    void shutdown();

    // One stanza addressed to us. Public so that tests can drive the
    // service without a router: replies go to the sender set here.
    void handle(xml::Element&& stanza);
    void set_sender(Sender sender) { send_ = std::move(sender); }

    size_t pending_lookups() const { return pending_.size(); }
    const Cache& cache() const { return cache_; }

private:
    // Requests waiting for one domain's lookup.
    struct Pending {
        Pending(net::Loop& loop, std::function<void()> on_deadline)
            : deadline(loop, std::move(on_deadline)) {}
        std::unique_ptr<Lookup> lookup;
        std::vector<xml::Element> waiters;
        net::Timer deadline;
    };

    void handle_iq(const xml::Element& iq);
    void resolve(const xml::Element& iq, const xml::Element& request);
    void answer_disco(const xml::Element& iq, const xml::Element& query);
    void start_lookup(const xml::Element& iq, const std::string& domain, const std::string& ascii);
    void finish(const std::string& domain, Answer answer);
    void reply(const xml::Element& iq, std::string_view condition, std::string_view text);

    net::Loop& loop_;
    Log& log_;
    ResolverConfig config_;
    std::unique_ptr<DnsClient> dns_;
    Rng rng_;
    Cache cache_;
    Sender send_;
    std::unique_ptr<component::Link> link_;
    std::unordered_map<std::string, std::unique_ptr<Pending>> pending_;
    size_t waiting_ = 0;  // requests in all of pending_
    bool ready_notified_ = false;
    net::Timer purge_timer_;
};

}  // namespace jng::resolver
