// Loading resolver.xml.
#include "resolver_config.hpp"

#include <algorithm>
#include <charconv>

#include "daemon.hpp"
#include "jid.hpp"

namespace jng::resolver {

namespace {

Result<uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || p != text.data() + text.size() || value == 0 || value > 65535) {
        return fail("bad port '" + std::string(text) + "'");
    }
    return static_cast<uint16_t>(value);
}

void read_override(config::Reader& r, const config::Node& node, ResolverConfig& c) {
    config::Reader o = r.at(node);
    const std::string raw = o.required_string("@domain");
    if (raw.empty()) return;
    auto domain = jid::nameprep(raw);
    if (!domain) {
        o.error(node, "invalid override domain '" + raw + "': " + domain.message());
        o.consume(node);  // one error for the override, not one per target
        return;
    }
    if (c.overrides.count(*domain)) {
        o.error(node, "override for '" + *domain + "' listed twice");
        o.consume(node);
        return;
    }
    std::vector<Target> targets;
    for (const config::Node* t : o.all("target")) {
        config::Reader tr = o.at(*t);
        Target target;
        target.host = tr.required_string("@host");
        target.port = static_cast<uint16_t>(tr.integer("@port", kDefaultPort, 1, 65535));
        target.tls = parse_tls(tr.choice("@tls", "starttls", {"starttls", "direct"}))
                         .value_or(Tls::kStartTls);
        if (target.host.empty()) continue;
        if (const auto address = tr.optional_string("@address")) {
            auto a = normalize_address(*address);
            if (!a) {
                tr.error(*t, "'" + *address + "' is not an IPv4 or IPv6 address");
                continue;
            }
            target.address = *a;
        } else if (auto a = ip_literal(target.host) ? ip_literal(target.host)
                                                    : normalize_address(target.host)) {
            target.address = *a;
        } else {
            // Overrides are answered without DNS: a host name needs its address.
            tr.error(*t, "target host '" + target.host +
                             "' is not an address: give its address= too");
            continue;
        }
        if (!normalize_address(target.host) && !ip_literal(target.host)) {
            auto host = jid::nameprep(target.host);
            if (!host) {
                tr.error(*t, "invalid target host '" + target.host + "': " + host.message());
                continue;
            }
            target.host = *host;
        }
        targets.push_back(std::move(target));
    }
    if (targets.empty()) {
        o.error(node, "override for '" + *domain + "' has no valid <target/>");
        return;
    }
    c.overrides.emplace(*domain, std::move(targets));
}

}  // namespace

Result<std::string> parse_server(std::string_view text) {
    std::string_view host = text;
    std::string_view port = "53";
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return fail("missing ']' in '" + std::string(text) + "'");
        host = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return fail("junk after ']' in '" + std::string(text) + "'");
            port = rest.substr(1);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        const auto colon = text.find(':');
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    const auto address = normalize_address(host);
    if (!address) return fail("'" + std::string(host) + "' is not an IPv4 or IPv6 address");
    auto p = parse_port(port);
    if (!p) return fail(p.message());
    const bool v6 = address->find(':') != std::string::npos;
    return (v6 ? "[" + *address + "]" : *address) + ":" + std::to_string(*p);
}

std::optional<ResolverConfig> read_config(config::Reader& r, Log& log, bool debug) {
    ResolverConfig c;
    daemon::configure_log(r, log, debug);
    c.id = r.string("id", "resolver");
    if (auto id = jid::nameprep(c.id); !id) {
        r.error("<id> '" + c.id + "' is not a valid component name: " + id.message());
    }
    component::read_link_config(r, c.router);

    for (const config::Node* n : r.all("dns/server")) {
        auto s = parse_server(n->text);
        if (!s) {
            r.error(*n, "DNS server: " + s.message());
        } else {
            c.dns.servers.push_back(*s);
        }
    }
    c.dns.attempt_timeout = std::chrono::milliseconds(r.integer("dns@timeout-ms", 1500, 50, 60000));
    c.dns.tries = static_cast<int>(r.integer("dns@tries", 2, 1, 10));
    c.lookup_timeout =
        std::chrono::milliseconds(r.integer("dns@lookup-timeout-ms", 5000, 100, 300000));

    c.cache.max_entries = static_cast<size_t>(r.integer("cache@entries", 10000, 0, 10000000));
    c.cache.min_ttl = std::chrono::seconds(r.integer("cache@min-ttl", 60, 0, 604800));
    c.cache.max_ttl = std::chrono::seconds(r.integer("cache@max-ttl", 86400, 0, 604800));
    c.cache.negative_ttl = std::chrono::seconds(r.integer("cache@negative-ttl", 60, 0, 86400));
    c.cache.failure_ttl = std::chrono::seconds(r.integer("cache@failure-ttl", 5, 0, 3600));
    if (c.cache.min_ttl > c.cache.max_ttl) {
        if (const config::Node* n = r.node("cache")) {
            r.error(*n, "cache min-ttl is larger than max-ttl");
        }
    }

    c.limits.max_targets = static_cast<size_t>(r.integer("limits@max-targets", 16, 1, 64));
    c.limits.max_addresses = static_cast<size_t>(r.integer("limits@max-addresses", 64, 1, 256));
    c.max_pending = static_cast<size_t>(r.integer("limits@max-pending", 1000, 1, 1000000));

    for (const config::Node* n : r.all("override")) read_override(r, *n, c);

    r.reject_unknown();
    if (!daemon::report(r, log)) return std::nullopt;
    return c;
}

std::optional<ResolverConfig> load_config(const std::string& path, Log& log, bool debug) {
    auto doc = daemon::load_config(path, log);
    if (!doc) return std::nullopt;
    config::Reader r(*doc);
    return read_config(r, log, debug);
}

}  // namespace jng::resolver
