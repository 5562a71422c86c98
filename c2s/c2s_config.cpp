// Loading c2s.xml.
#include "c2s_config.hpp"

#include "daemon.hpp"
#include "storage_config.hpp"
#include "jid.hpp"

namespace jng::c2s {

std::optional<C2sConfig> load_config(const std::string& path, Log& log, bool debug) {
    auto doc = daemon::load_config(path, log);
    if (!doc) return std::nullopt;
    config::Reader r(*doc);
    C2sConfig c;
    daemon::configure_log(r, log, debug);
    c.id = r.string("id", "c2s-1");
    c.router.name = c.id;
    component::read_link_config(r, c.router);
    c.router.subscribe_names = true;

    c.domains = daemon::read_domains(r, "local/id");

    for (const config::Node* n : r.all("listen")) {
        config::Reader l = r.at(*n);
        C2sConfig::Listen listen;
        listen.address = l.string("@address", "0.0.0.0");
        listen.port = static_cast<uint16_t>(l.integer("@port", 5222, 0, 65535));
        listen.direct_tls = l.boolean("@direct-tls", false);
        listen.reuse_port = l.boolean("@reuse-port", true);
        c.listeners.push_back(listen);
    }
    if (c.listeners.empty()) c.listeners.push_back({});

    c.cert_file = daemon::relative_to(path, r.string("tls@cert"));
    c.key_file = daemon::relative_to(path, r.string("tls@key"));
    if (c.key_file.empty()) c.key_file = c.cert_file;
    c.require_tls = r.boolean("tls@required", true);
    const bool any_direct = std::any_of(c.listeners.begin(), c.listeners.end(),
                                        [](const auto& l) { return l.direct_tls; });
    if (c.cert_file.empty() && (c.require_tls || any_direct)) {
        r.error("<tls cert='...'/> is required when TLS is required or a direct-TLS port is set");
    }
    c.allow_plain = r.boolean("sasl@plain", true);
    c.tls_unique_on_tls13 = r.boolean("sasl@tls-unique-on-tls13", true);

    c.registration = r.boolean("register@enabled", false);
    c.registration_interval = std::chrono::seconds(r.integer("register@interval", 0, 0, 86400));
    c.scram_iterations = static_cast<int>(r.integer("sasl@iterations", 4096, 4096, 1000000));

    c.storage = storage::read_config(r, path);
    c.crypto_threads = static_cast<size_t>(r.integer("limits@crypto-threads", 2, 1, 64));

    c.max_stanza_bytes =
        static_cast<size_t>(r.integer("limits@max-stanza-bytes", 256 * 1024, 4096, 16 << 20));
    c.auth_timeout = std::chrono::seconds(r.integer("limits@auth-timeout", 60, 5, 3600));
    c.sm_grace = std::chrono::seconds(r.integer("limits@sm-grace", 15, 0, 3600));
    c.max_auth_failures = static_cast<int>(r.integer("limits@max-auth-failures", 3, 1, 100));
    c.max_output_bytes = static_cast<size_t>(
        r.integer("limits@max-output-bytes", 8 << 20, 64 * 1024, int64_t{1} << 32));
    c.hibernate_after = std::chrono::seconds(r.integer("limits@hibernate-after", 30, 0, 86400));
    c.karma_rate = static_cast<uint64_t>(r.integer("karma@bytes-per-second", 0, 0, int64_t{1} << 40));
    c.karma_burst = static_cast<uint64_t>(r.integer("karma@burst", 0, 0, int64_t{1} << 40));

    r.reject_unknown();
    if (!daemon::report(r, log)) return std::nullopt;
    return c;
}

}  // namespace jng::c2s
