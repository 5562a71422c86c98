// Service: requests in, answers out, one lookup per domain at a time.
#include "service.hpp"

#include "jid.hpp"
#include "ns.hpp"
#include "stanza.hpp"
#include "systemd.hpp"

namespace jng::resolver {

namespace {
constexpr auto kPurgeInterval = std::chrono::seconds(60);

std::string describe(const Answer& a) {
    if (a.outcome == Outcome::kFound) {
        return fmt::format("{} targets, ttl {}s{}", a.targets.size(), a.ttl,
                           a.degraded ? " (incomplete)" : "");
    }
    return fmt::format("{}: {}", condition_of(a.outcome), a.reason);
}
}  // namespace

Service::Service(net::Loop& loop, Log& log, ResolverConfig config, std::unique_ptr<DnsClient> dns,
                 Clock clock, Rng rng)
    : loop_(loop),
      log_(log),
      config_(std::move(config)),
      dns_(std::move(dns)),
      rng_(std::move(rng)),
      cache_(config_.cache, std::move(clock)),
      purge_timer_(loop, [this] { cache_.purge(); }) {
    purge_timer_.start_repeating(kPurgeInterval);
}

Service::~Service() {
    // Lookups hold references to the DNS client: they go first.
    pending_.clear();
}

void Service::start() {
    component::LinkConfig link = config_.router;
    link.name = config_.id;
    link.binds.clear();  // reachable at its primary name, nothing more
    component::Link::Handlers h;
    h.on_ready = [this] {
        if (!ready_notified_) {
            ready_notified_ = true;
            systemd::notify_ready("answering DNS lookups as " + config_.id);
        }
    };
    h.on_stanza = [this](xml::Element&& e) { handle(std::move(e)); };
    link_ = std::make_unique<component::Link>(loop_, log_, link, std::move(h));
    send_ = [this](const xml::Element& e) { link_->send(e); };
    link_->start();
}

void Service::shutdown() {
    purge_timer_.stop();
    std::vector<std::string> domains;
    for (const auto& [domain, p] : pending_) domains.push_back(domain);
    for (const auto& d : domains) finish(d, Answer::timeout("the resolver is shutting down"));
    if (link_) link_->stop();
}

void Service::handle(xml::Element&& stanza) {
    switch (stanza::kind_of(stanza)) {
        case stanza::Kind::kIq: handle_iq(stanza); return;
        case stanza::Kind::kMessage:
        case stanza::Kind::kPresence:
        case stanza::Kind::kOther:
            log_.debug("ignoring <{}/> from {}", stanza.name(), stanza.attr("from"));
            return;
    }
}

void Service::handle_iq(const xml::Element& iq) {
    const std::string_view type = iq.attr("type");
    if (type == "result" || type == "error") return;  // we never ask anything
    if (const std::string_view problem = stanza::iq_problem(iq); !problem.empty()) {
        if (!iq.attr("id").empty()) reply(iq, "bad-request", problem);
        return;
    }
    const xml::Element& payload = *iq.first_element();
    // Lookups are for servers and their components, not for users: an
    // address with a node part is a client's.
    const auto from = Jid::parse(iq.attr("from"));
    if (!from || from->has_node()) {
        reply(iq, "forbidden", "resolver requests are for components");
        return;
    }
    if (payload.is("resolve", ns::kResolver)) {
        if (type != "get") {
            reply(iq, "bad-request", "a resolve request is an iq of type get");
            return;
        }
        resolve(iq, payload);
        return;
    }
    if (payload.is("query", ns::kDiscoInfo) && type == "get") {
        answer_disco(iq, payload);
        return;
    }
    // RFC 6120 §8.4: a payload we do not know.
    reply(iq, "service-unavailable", {});
}

void Service::resolve(const xml::Element& iq, const xml::Element& request) {
    const std::string_view raw = request.attr("domain");
    if (raw.empty()) {
        reply(iq, "bad-request", "a resolve request needs a domain");
        return;
    }
    auto domain = jid::nameprep(raw);
    if (!domain) {
        reply(iq, "bad-request", "invalid domain: " + domain.message());
        return;
    }
    if (const auto it = config_.overrides.find(*domain); it != config_.overrides.end()) {
        log_.debug("{}: static override", *domain);
        send_(reply_to(iq, *domain, Answer::found(it->second, 0)));
        return;
    }
    if (const auto address = ip_literal(*domain)) {
        send_(reply_to(iq, *domain,
                       Answer::found({Target{*domain, *address, kDefaultPort, Tls::kStartTls}}, 0)));
        return;
    }
    if (const Answer* cached = cache_.find(*domain)) {
        log_.debug("{}: from the cache", *domain);
        send_(reply_to(iq, *domain, *cached));
        return;
    }
    if (waiting_ >= config_.max_pending) {
        log_.warning("{} requests wait for DNS already: refusing one for {}", waiting_, *domain);
        reply(iq, "resource-constraint", "too many lookups in progress");
        return;
    }
    if (const auto it = pending_.find(*domain); it != pending_.end()) {
        log_.debug("{}: joins the lookup in progress", *domain);
        it->second->waiters.push_back(iq);
        ++waiting_;
        return;
    }
    auto ascii = dns_name(*domain);
    if (!ascii) {
        reply(iq, "bad-request", "invalid domain: " + ascii.message());
        return;
    }
    start_lookup(iq, *domain, *ascii);
}

void Service::start_lookup(const xml::Element& iq, const std::string& domain,
                           const std::string& ascii) {
    auto p = std::make_unique<Pending>(loop_, [this, domain] {
        finish(domain, Answer::timeout(fmt::format("no answer from DNS within {} ms",
                                                   config_.lookup_timeout.count())));
    });
    p->waiters.push_back(iq);
    ++waiting_;
    p->lookup = std::make_unique<Lookup>(*dns_, log_, ascii, config_.limits, rng_,
                                         [this, domain](Answer a) { finish(domain, std::move(a)); });
    p->deadline.start(config_.lookup_timeout);
    Lookup& lookup = *p->lookup;
    pending_.emplace(domain, std::move(p));
    lookup.start();
}

void Service::finish(const std::string& domain, Answer answer) {
    const auto it = pending_.find(domain);
    if (it == pending_.end()) return;
    // Called from the lookup's callback or the deadline timer: both belong
    // to the Pending, which is freed once their stacks unwind.
    std::shared_ptr<Pending> p(std::move(it->second));
    pending_.erase(it);
    p->deadline.stop();
    loop_.defer([p] {});
    const std::string key = domain;  // `domain` may live in what was erased
    if (answer.outcome == Outcome::kFound) {
        log_.debug("{}: {}", key, describe(answer));
    } else {
        log_.info("{}: {}", key, describe(answer));
    }
    for (const xml::Element& iq : p->waiters) send_(reply_to(iq, key, answer));
    waiting_ -= p->waiters.size();
    cache_.put(key, std::move(answer));
}

void Service::answer_disco(const xml::Element& iq, const xml::Element& query) {
    if (query.has_attr("node")) {
        reply(iq, "item-not-found", {});
        return;
    }
    // XEP-0030: a component of ours; the feature tells s2s what we answer.
    xml::Element r = stanza::iq_result(iq);
    xml::Element& q = r.add("query", ns::kDiscoInfo);
    q.add("identity").set_attr("category", "component").set_attr("type", "generic")
        .set_attr("name", "jabberd-ng resolver");
    q.add("feature").set_attr("var", ns::kDiscoInfo);
    q.add("feature").set_attr("var", ns::kResolver);
    send_(r);
}

void Service::reply(const xml::Element& iq, std::string_view condition, std::string_view text) {
    send_(stanza::error_reply(iq, condition, text));
}

}  // namespace jng::resolver
