// jabberd-ng router: the hub every other daemon connects to.
#include "daemon.hpp"
#include "net/loop.hpp"
#include "router.hpp"
#include "systemd.hpp"

int main(int argc, char** argv) {
    using namespace jng;
    int exit_code = 0;
    auto opts = daemon::parse_args(argc, argv, "jabberd-ng-router", "/etc/jabberd-ng/router.xml",
                                   exit_code);
    if (!opts) return exit_code;
    Log log("router");
    auto config = router::load_config(opts->config_path, log, opts->debug);
    if (!config) return 1;
    if (opts->check_only) {
        log.info("{}: configuration is valid", opts->config_path);
        return 0;
    }
    log.set_ident(config->id);
    net::Loop loop;
    router::Router r(loop, log, std::move(*config));
    if (auto st = r.start(); !st) {
        log.error("{}", st.message());
        return 1;
    }
    daemon::install_signals(loop, log, {}, [&r] { r.reload_users(); });
    auto watchdog = systemd::start_watchdog(loop);
    systemd::notify_ready("routing");
    loop.run();
    systemd::notify_stopping();
    return 0;
}
