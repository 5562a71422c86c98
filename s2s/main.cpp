// jabberd-ng s2s: server-to-server connections.
#include "daemon.hpp"
#include "net/loop.hpp"
#include "s2s_config.hpp"
#include "server.hpp"
#include "systemd.hpp"

int main(int argc, char** argv) {
    using namespace jng;
    int exit_code = 0;
    auto opts =
        daemon::parse_args(argc, argv, "jabberd-ng-s2s", "/etc/jabberd-ng/s2s.xml", exit_code);
    if (!opts) return exit_code;
    Log log("s2s");
    auto config = s2s::load_config(opts->config_path, log, opts->debug);
    if (!config) return 1;
    if (opts->check_only) {
        log.info("{}: configuration is valid", opts->config_path);
        return 0;
    }
    log.set_ident(config->id);
    if (config->dialback_secret.empty()) {
        log.notice("no <dialback secret>: using a random one (fine for a single s2s process)");
    }
    net::Loop loop;
    s2s::Server server(loop, log, std::move(*config));
    if (auto st = server.start(); !st) {
        log.error("{}", st.message());
        return 1;
    }
    daemon::install_signals(loop, log, [&server] { server.shutdown(); }, {});
    auto watchdog = systemd::start_watchdog(loop);
    loop.run();
    systemd::notify_stopping();
    return 0;
}
