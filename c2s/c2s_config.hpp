// c2s.xml: the instance name and router link, the domains served, where
// clients connect, TLS, SASL and registration policy, storage and limits.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "component/link.hpp"
#include "log.hpp"
#include "storage.hpp"

namespace jng::c2s {

struct C2sConfig {
    std::string id = "c2s-1";  // our primary name at the router
    component::LinkConfig router;
    std::vector<std::string> domains;  // normalized

    struct Listen {
        std::string address = "0.0.0.0";
        uint16_t port = 0;       // 0: disabled
        bool direct_tls = false; // XEP-0368 style: TLS from the first byte
        bool reuse_port = true;  // several c2s processes may share the port
    };
    std::vector<Listen> listeners;

    std::string cert_file;
    std::string key_file;
    bool require_tls = true;  // no SASL and no registration before TLS
    bool allow_plain = true;  // SASL PLAIN (only ever over TLS)
    // Accept tls-unique channel binding under TLS 1.3 (see docs/security.md).
    bool tls_unique_on_tls13 = true;

    bool registration = false;
    std::chrono::seconds registration_interval{0};  // per IP address; 0: no limit
    int scram_iterations = 4096;

    storage::StorageConfig storage;
    size_t crypto_threads = 2;

    size_t max_stanza_bytes = 256 * 1024;
    uint64_t karma_rate = 0;  // bytes/s per client; 0 = unlimited
    uint64_t karma_burst = 0;
    std::chrono::seconds auth_timeout{60};
    // After a router outage: how long a session manager that was there
    // before has to bind again before its clients are closed.
    std::chrono::seconds sm_grace{15};
    int max_auth_failures = 3;
    size_t max_output_bytes = 8 * 1024 * 1024;  // per client, before we drop it
    // A session quiet for this long (up to twice this) gives its XML parser
    // back until it speaks again; 0: never.
    std::chrono::seconds hibernate_after{30};
};

std::optional<C2sConfig> load_config(const std::string& path, Log& log, bool debug);

}  // namespace jng::c2s
