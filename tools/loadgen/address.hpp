// Addresses the load generator may use: targets and source addresses on the
// loopback network only (127.0.0.0/8, ::1). A load generator pointed at
// somebody else's server is a denial-of-service tool; this one refuses.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace jng::loadgen {

struct Endpoint {
    sockaddr_storage addr{};
    socklen_t len = 0;
    std::string text;  // "127.0.0.1:5222" / "[::1]:5222", for messages

    int family() const { return addr.ss_family; }
};

bool is_loopback(const sockaddr* sa);

// A numeric IPv4/IPv6 address or "localhost"; refused unless loopback.
Result<Endpoint> parse_target(std::string_view host, uint16_t port);

// Source addresses to bind outgoing connections to: a comma-separated list
// of addresses and ascending IPv4 ranges ("127.0.0.1-127.0.0.20"), at most
// kMaxSources in all. Every one must be loopback and of the target's family.
// Each source address has its own ~28,000 ephemeral ports towards one
// target, so twenty of them take half a million connections. Empty text:
// none (the kernel chooses).
constexpr size_t kMaxSources = 4096;
Result<std::vector<Endpoint>> parse_sources(std::string_view text, int family);

// Hands out source addresses round-robin.
class SourcePool {
public:
    explicit SourcePool(std::vector<Endpoint> sources) : sources_(std::move(sources)) {}
    // nullptr when no source addresses were given.
    const Endpoint* next();
    size_t size() const { return sources_.size(); }

private:
    std::vector<Endpoint> sources_;
    size_t next_ = 0;
};

}  // namespace jng::loadgen
