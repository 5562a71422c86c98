// jabberd-ng resolver: DNS lookups (SRV, A/AAAA) for s2s, as a router
// component.
#include "daemon.hpp"
#include "dns.hpp"
#include "net/loop.hpp"
#include "resolver_config.hpp"
#include "service.hpp"
#include "srv.hpp"
#include "systemd.hpp"

int main(int argc, char** argv) {
    using namespace jng;
    int exit_code = 0;
    auto opts = daemon::parse_args(argc, argv, "jabberd-ng-resolver",
                                   "/etc/jabberd-ng/resolver.xml", exit_code);
    if (!opts) return exit_code;
    Log log("resolver");
    auto config = resolver::load_config(opts->config_path, log, opts->debug);
    if (!config) return 1;
    if (opts->check_only) {
        log.info("{}: configuration is valid", opts->config_path);
        return 0;
    }
    log.set_ident(config->id);
    net::Loop loop;
    auto dns = resolver::AresClient::create(loop, log, config->dns);
    if (!dns) {
        log.error("{}", dns.message());
        return 1;
    }
    log.info("DNS servers: {}; {} overrides", (*dns)->servers(), config->overrides.size());
    resolver::Service service(loop, log, std::move(*config), std::move(*dns),
                              [] { return std::chrono::steady_clock::now(); },
                              resolver::make_rng());
    service.start();
    daemon::install_signals(loop, log, [&service] { service.shutdown(); }, {});
    auto watchdog = systemd::start_watchdog(loop);
    loop.run();
    systemd::notify_stopping();
    return 0;
}
