// router.xml and router-users.xml: where the router listens, its limits, and
// which components may connect with which secret and bind which names.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "router_config.hpp"
#include "log.hpp"

namespace jng::router {

struct ComponentAcl {
    std::string name;    // primary name; a trailing '*' matches any suffix ("c2s-*")
    std::string secret;
    std::vector<std::string> may_bind;  // exact names, "*.domain", or "*"
    bool default_route = false;
    // May send route envelopes (docs/protocol.md §4): our c2s and sm only.
    // An envelope names the user and session it speaks for, so a component
    // allowed to send them could act as any local user.
    bool envelopes = false;

    bool matches(std::string_view primary) const;
    bool may_bind_name(std::string_view bind_name) const;
};

struct RouterConfig {
    std::string id = "router";
    std::string address = "127.0.0.1";
    uint16_t port = 5347;
    bool reuse_port = false;
    std::string users_path;
    std::vector<ComponentAcl> components;
    size_t max_stanza_bytes = 1024 * 1024;
    std::chrono::seconds handshake_timeout{10};
    size_t output_limit_bytes = 16 * 1024 * 1024;
    uint64_t karma_rate = 0;    // bytes/s per component; 0 = unlimited
    uint64_t karma_burst = 0;

    const ComponentAcl* acl_for(std::string_view primary) const;
};

// Reads both files; errors name file and line. `users_only` re-reads just
// router-users.xml (for SIGHUP) into `current`.
std::optional<RouterConfig> load_config(const std::string& path, Log& log, bool debug);
std::optional<std::vector<ComponentAcl>> load_users(const std::string& path, Log& log);

}  // namespace jng::router
