// Parsing and checking loopback addresses.
#include "address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace jng::loadgen {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// A numeric address (no port), loopback or not.
Result<Endpoint> parse_numeric(std::string_view host, uint16_t port) {
    Endpoint e;
    std::string h(host);
    if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    sockaddr_in in{};
    sockaddr_in6 in6{};
    if (inet_pton(AF_INET, h.c_str(), &in.sin_addr) == 1) {
        in.sin_family = AF_INET;
        in.sin_port = htons(port);
        std::memcpy(&e.addr, &in, sizeof in);
        e.len = sizeof in;
        e.text = h + ":" + std::to_string(port);
        return e;
    }
    if (inet_pton(AF_INET6, h.c_str(), &in6.sin6_addr) == 1) {
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(port);
        std::memcpy(&e.addr, &in6, sizeof in6);
        e.len = sizeof in6;
        e.text = "[" + h + "]:" + std::to_string(port);
        return e;
    }
    return fail("'" + std::string(host) + "' is not a numeric IPv4 or IPv6 address");
}

uint32_t ipv4_of(const Endpoint& e) {
    return ntohl(reinterpret_cast<const sockaddr_in*>(&e.addr)->sin_addr.s_addr);
}

Endpoint from_ipv4(uint32_t host_order) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(host_order);
    Endpoint e;
    std::memcpy(&e.addr, &in, sizeof in);
    e.len = sizeof in;
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &in.sin_addr, buf, sizeof buf);
    e.text = buf;
    return e;
}

}  // namespace

bool is_loopback(const sockaddr* sa) {
    if (sa->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) != 0;
    }
    return false;
}

Result<Endpoint> parse_target(std::string_view host, uint16_t port) {
    if (host == "localhost") host = "127.0.0.1";
    auto e = parse_numeric(host, port);
    if (!e) return e.error();
    if (!is_loopback(reinterpret_cast<const sockaddr*>(&e->addr))) {
        return fail("refusing target " + e->text +
                    ": only loopback addresses (127.0.0.0/8, ::1) may be loaded");
    }
    return e;
}

Result<std::vector<Endpoint>> parse_sources(std::string_view text, int family) {
    std::vector<Endpoint> out;
    text = trim(text);
    if (text.empty()) return out;
    while (!text.empty()) {
        const size_t comma = text.find(',');
        const std::string_view item = trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (item.empty()) continue;
        const size_t dash = item.find('-');
        auto first = parse_numeric(trim(item.substr(0, dash)), 0);
        if (!first) return first.error();
        if (!is_loopback(reinterpret_cast<const sockaddr*>(&first->addr))) {
            return fail("source address " + std::string(item) + " is not a loopback address");
        }
        if (first->family() != family) {
            return fail("source address " + std::string(item) +
                        " is not of the target's address family");
        }
        if (dash == std::string_view::npos) {
            first->text = std::string(trim(item));
            out.push_back(std::move(*first));
        } else {
            auto last = parse_numeric(trim(item.substr(dash + 1)), 0);
            if (!last) return last.error();
            if (family != AF_INET || last->family() != AF_INET) {
                return fail("address ranges are IPv4 only (IPv6 loopback is the one ::1)");
            }
            const uint32_t lo = ipv4_of(*first);
            const uint32_t hi = ipv4_of(*last);
            if (hi < lo || (hi >> 24) != 127) {
                return fail("bad source range " + std::string(item) +
                            ": it must ascend and stay within 127.0.0.0/8");
            }
            if (hi - lo + 1 > kMaxSources) return fail("source range " + std::string(item) + " is too long");
            for (uint32_t a = lo; a <= hi; ++a) out.push_back(from_ipv4(a));
        }
        if (out.size() > kMaxSources) return fail("too many source addresses");
    }
    return out;
}

const Endpoint* SourcePool::next() {
    if (sources_.empty()) return nullptr;
    const Endpoint* e = &sources_[next_];
    next_ = (next_ + 1) % sources_.size();
    return e;
}

}  // namespace jng::loadgen
