// resolver.xml: our name at the router, the DNS servers and timeouts, the
// cache policy, answer limits, and static overrides.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "answer.hpp"
#include "cache.hpp"
#include "component/link.hpp"
#include "config.hpp"
#include "dns.hpp"
#include "log.hpp"
#include "lookup.hpp"

namespace jng::resolver {

struct ResolverConfig {
    std::string id = "resolver";
    component::LinkConfig router;
    DnsConfig dns;
    // The whole lookup (SRV, then addresses), whatever c-ares still tries.
    std::chrono::milliseconds lookup_timeout{5000};
    CachePolicy cache;
    LookupLimits limits;
    size_t max_pending = 1000;  // requests waiting for DNS at once
    // Answered without DNS, by normalized domain.
    std::map<std::string, std::vector<Target>> overrides;
};

std::optional<ResolverConfig> load_config(const std::string& path, Log& log, bool debug);
// The settings part of load_config, for a document already parsed.
std::optional<ResolverConfig> read_config(config::Reader& reader, Log& log, bool debug);

// "192.0.2.53", "192.0.2.53:5353", "2001:db8::53", "[2001:db8::53]:5353" in
// the form c-ares takes ("[v6]:port"); an error says what is wrong.
Result<std::string> parse_server(std::string_view text);

}  // namespace jng::resolver
