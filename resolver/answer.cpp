// Answers as stanzas, and IP literals.
#include "answer.hpp"

#include <arpa/inet.h>

#include "ns.hpp"
#include "stanza.hpp"

namespace jng::resolver {

std::string_view to_string(Tls tls) { return tls == Tls::kDirect ? "direct" : "starttls"; }

std::optional<Tls> parse_tls(std::string_view text) {
    if (text == "starttls") return Tls::kStartTls;
    if (text == "direct") return Tls::kDirect;
    return std::nullopt;
}

Answer Answer::found(std::vector<Target> targets, uint32_t ttl, bool degraded) {
    Answer a;
    a.outcome = Outcome::kFound;
    a.targets = std::move(targets);
    a.ttl = ttl;
    a.degraded = degraded;
    return a;
}

Answer Answer::not_found(std::string reason) {
    Answer a;
    a.outcome = Outcome::kNotFound;
    a.reason = std::move(reason);
    return a;
}

Answer Answer::timeout(std::string reason) {
    Answer a;
    a.outcome = Outcome::kTimeout;
    a.reason = std::move(reason);
    return a;
}

std::string_view condition_of(Outcome outcome) {
    switch (outcome) {
        case Outcome::kFound: return {};
        case Outcome::kNotFound: return "remote-server-not-found";
        case Outcome::kTimeout: return "remote-server-timeout";
    }
    return "internal-server-error";
}

xml::Element reply_to(const xml::Element& iq, std::string_view domain, const Answer& answer) {
    if (answer.outcome != Outcome::kFound) {
        return stanza::error_reply(iq, condition_of(answer.outcome), answer.reason);
    }
    xml::Element reply = stanza::iq_result(iq);
    xml::Element& resolve = reply.add("resolve", ns::kResolver);
    resolve.set_attr("domain", domain);
    for (const Target& t : answer.targets) {
        xml::Element& e = resolve.add("target");
        e.set_attr("host", t.host);
        e.set_attr("address", t.address);
        e.set_attr("port", std::to_string(t.port));
        e.set_attr("tls", to_string(t.tls));
    }
    return reply;
}

std::optional<std::string> normalize_address(std::string_view text) {
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    const std::string s(text);
    unsigned char buf[sizeof(in6_addr)];
    char out[INET6_ADDRSTRLEN] = {};
    if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
        inet_ntop(AF_INET, buf, out, sizeof out);
        return std::string(out);
    }
    if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
        inet_ntop(AF_INET6, buf, out, sizeof out);
        return std::string(out);
    }
    return std::nullopt;
}

std::optional<std::string> ip_literal(std::string_view domain) {
    if (domain.size() > 2 && domain.front() == '[' && domain.back() == ']') {
        auto a = normalize_address(domain.substr(1, domain.size() - 2));
        if (a && a->find(':') != std::string::npos) return a;
        return std::nullopt;
    }
    // A bare IPv4 address; a bare IPv6 address is not a JID domainpart.
    auto a = normalize_address(domain);
    if (a && a->find(':') == std::string::npos) return a;
    return std::nullopt;
}

}  // namespace jng::resolver
