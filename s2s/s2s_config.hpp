// s2s.xml: listeners, TLS and certificate per local domain, dialback secret,
// queue bounds, timeouts and limits of server-to-server connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "component/link.hpp"
#include "log.hpp"

namespace jng::s2s {

struct S2sConfig {
    std::string id = "s2s";  // our primary name at the router
    component::LinkConfig router;
    std::string resolver = "resolver";  // the resolver component's name

    struct Listen {
        std::string address = "0.0.0.0";
        uint16_t port = 5269;
        bool direct_tls = false;  // XEP-0368
        bool reuse_port = false;
    };
    std::vector<Listen> listeners;

    // The certificate a local domain presents (inbound and as TLS client for
    // SASL EXTERNAL); domains without one use the default.
    struct DomainCert {
        std::string domain;
        std::string cert_file;
        std::string key_file;
    };
    std::vector<DomainCert> domain_certs;
    std::string cert_file;  // default certificate
    std::string key_file;
    std::string ca_file;    // trust store for peers; empty: the system's
    std::string ca_path;
    bool require_tls = true;           // no stream without TLS, either way
    bool require_valid_certs = false;  // peers must present a certificate we verify

    bool dialback = true;
    std::string dialback_secret;  // XEP-0185; random per process when empty

    // Outbound queue per remote domain, and how long we keep trying.
    size_t queue_max_stanzas = 1000;
    size_t queue_max_bytes = 4 * 1024 * 1024;
    int connect_retries = 3;
    std::chrono::seconds retry_delay{5};

    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds auth_timeout{60};     // from TCP connect to an authenticated stream
    std::chrono::seconds idle_timeout{600};    // no traffic: close
    std::chrono::seconds keepalive{60};        // whitespace after this much silence

    size_t max_stanza_bytes = 256 * 1024;
    size_t max_inbound = 1000;          // inbound connections at once
    size_t max_inbound_per_ip = 16;
    uint64_t karma_rate = 0;  // bytes/s per connection; 0 = unlimited
    uint64_t karma_burst = 0;
};

std::optional<S2sConfig> load_config(const std::string& path, Log& log, bool debug);

}  // namespace jng::s2s
