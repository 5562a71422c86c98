// jabberd-ng resolver: DNS lookups (SRV, A/AAAA) for s2s, as a router
// component.
#include "daemon.hpp"
#include "dns.hpp"
#include "resolver_config.hpp"
#include "service.hpp"
#include "srv.hpp"

int main(int argc, char** argv) {
    using namespace jng;
    return daemon::run(
        argc, argv, {"jabberd-ng-resolver", "resolver", "/etc/jabberd-ng/resolver.xml"},
        resolver::load_config,
        [](net::Loop& loop, Log& log,
           resolver::ResolverConfig config) -> Result<std::unique_ptr<resolver::Service>> {
            auto dns = resolver::AresClient::create(loop, log, config.dns);
            if (!dns) return dns.error();
            log.info("DNS servers: {}; {} overrides", (*dns)->servers(), config.overrides.size());
            auto service = std::make_unique<resolver::Service>(
                loop, log, std::move(config), std::move(*dns),
                [] { return std::chrono::steady_clock::now(); }, resolver::make_rng());
            service->start();
            return service;
        });
}
