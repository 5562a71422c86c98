// What the resolver answers: an ordered list of (host, address, port, TLS
// mode) to try, or why there is none - and how that is written as the
// result or error of a resolve request (docs/protocol.md, "Resolver
// requests").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xml/element.hpp"

namespace jng::resolver {

// RFC 6120 §3.2.2 and XEP-0368: where nothing else is published.
constexpr uint16_t kDefaultPort = 5269;

enum class Tls {
    kStartTls,  // _xmpp-server: plain TCP, then STARTTLS
    kDirect,    // _xmpps-server: TLS from the first byte (XEP-0368)
};
std::string_view to_string(Tls tls);
std::optional<Tls> parse_tls(std::string_view text);

struct Target {
    std::string host;     // the SRV target (or the domain itself)
    std::string address;  // IPv4 or IPv6, textual, no brackets
    uint16_t port = kDefaultPort;
    Tls tls = Tls::kStartTls;
    bool operator==(const Target&) const = default;
};

enum class Outcome {
    kFound,     // targets to try, in order
    kNotFound,  // the domain has no XMPP service: remote-server-not-found
    kTimeout,   // DNS could not tell in time: remote-server-timeout
};

struct Answer {
    Outcome outcome = Outcome::kTimeout;
    std::vector<Target> targets;
    uint32_t ttl = 0;       // seconds: the smallest TTL of the records used
    bool degraded = false;  // found, but some query on the way failed
    std::string reason;     // why not found / timed out (error text, logs)

    static Answer found(std::vector<Target> targets, uint32_t ttl, bool degraded = false);
    static Answer not_found(std::string reason);
    static Answer timeout(std::string reason);
};

// The stanza error condition for an answer that is not kFound.
std::string_view condition_of(Outcome outcome);

// The reply to a resolve request `iq` for `domain` (normalized): an iq
// result with <resolve/> and its targets, or an iq error.
xml::Element reply_to(const xml::Element& iq, std::string_view domain, const Answer& answer);

// A textual IPv4 or IPv6 address in the canonical form (inet_ntop), or
// nullopt. Brackets are not accepted here.
std::optional<std::string> normalize_address(std::string_view text);

// A domain that is an IP literal - "192.0.2.1" or, as in JIDs (RFC 7622
// §3.2), "[2001:db8::1]" - as its address; nullopt for a host name.
std::optional<std::string> ip_literal(std::string_view domain);

}  // namespace jng::resolver
