// Loading s2s.xml.
#include "s2s_config.hpp"

#include "daemon.hpp"
#include "jid.hpp"

namespace jng::s2s {

std::optional<S2sConfig> load_config(const std::string& path, Log& log, bool debug) {
    auto doc = daemon::load_config(path, log);
    if (!doc) return std::nullopt;
    config::Reader r(*doc);
    S2sConfig c;
    daemon::configure_log(r, log, debug);
    c.id = r.string("id", "s2s");
    c.router.name = c.id;
    component::read_link_config(r, c.router);
    c.router.default_route = true;
    c.router.subscribe_names = true;
    c.resolver = r.string("resolver", "resolver");

    for (const config::Node* n : r.all("listen")) {
        config::Reader l = r.at(*n);
        S2sConfig::Listen listen;
        listen.address = l.string("@address", "0.0.0.0");
        listen.port = static_cast<uint16_t>(l.integer("@port", 5269, 1, 65535));
        listen.direct_tls = l.boolean("@direct-tls", false);
        listen.reuse_port = l.boolean("@reuse-port", false);
        c.listeners.push_back(listen);
    }
    if (c.listeners.empty()) c.listeners.push_back({});

    c.cert_file = daemon::relative_to(path, r.string("tls@cert"));
    c.key_file = daemon::relative_to(path, r.string("tls@key"));
    if (c.key_file.empty()) c.key_file = c.cert_file;
    c.ca_file = daemon::relative_to(path, r.string("tls@ca-file"));
    c.ca_path = daemon::relative_to(path, r.string("tls@ca-path"));
    c.require_tls = r.boolean("tls@required", true);
    c.require_valid_certs = r.boolean("tls@require-valid-certificates", false);
    for (const config::Node* n : r.all("local/domain")) {
        config::Reader d = r.at(*n);
        S2sConfig::DomainCert dc;
        auto name = jid::nameprep(d.required_string("@name"));
        if (!name) {
            r.error(*n, "invalid domain: " + name.message());
            continue;
        }
        dc.domain = *name;
        dc.cert_file = daemon::relative_to(path, d.string("@cert"));
        dc.key_file = daemon::relative_to(path, d.string("@key"));
        if (dc.key_file.empty()) dc.key_file = dc.cert_file;
        c.domain_certs.push_back(dc);
    }
    if (c.cert_file.empty() && c.domain_certs.empty() && c.require_tls) {
        r.error("<tls cert='...'/> (or a certificate per <local><domain>) is required when TLS is required");
    }

    c.dialback = r.boolean("dialback@enabled", true);
    c.dialback_secret = r.string("dialback@secret");
    if (!c.dialback_secret.empty() && c.dialback_secret.size() < 16) {
        r.error(*r.node("dialback"), "the dialback secret must have at least 16 characters");
    }

    c.queue_max_stanzas = static_cast<size_t>(r.integer("queue@max-stanzas", 1000, 1, 1000000));
    c.queue_max_bytes = static_cast<size_t>(r.integer("queue@max-bytes", 4 << 20, 4096, int64_t{1} << 32));
    c.connect_retries = static_cast<int>(r.integer("queue@retries", 3, 0, 100));
    c.retry_delay = std::chrono::seconds(r.integer("queue@retry-delay", 5, 1, 3600));

    c.connect_timeout = std::chrono::seconds(r.integer("timeouts@connect", 10, 1, 600));
    c.auth_timeout = std::chrono::seconds(r.integer("timeouts@auth", 60, 5, 3600));
    c.idle_timeout = std::chrono::seconds(r.integer("timeouts@idle", 600, 10, 86400));
    c.keepalive = std::chrono::seconds(r.integer("timeouts@keepalive", 60, 5, 3600));

    c.max_stanza_bytes =
        static_cast<size_t>(r.integer("limits@max-stanza-bytes", 256 * 1024, 4096, 16 << 20));
    c.max_inbound = static_cast<size_t>(r.integer("limits@max-connections", 1000, 1, 1000000));
    c.max_inbound_per_ip = static_cast<size_t>(r.integer("limits@max-connections-per-ip", 16, 1, 100000));
    c.karma_rate = static_cast<uint64_t>(r.integer("karma@bytes-per-second", 0, 0, int64_t{1} << 40));
    c.karma_burst = static_cast<uint64_t>(r.integer("karma@burst", 0, 0, int64_t{1} << 40));

    r.reject_unknown();
    if (!daemon::report(r, log)) return std::nullopt;
    return c;
}

}  // namespace jng::s2s
