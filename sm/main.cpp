// jabberd-ng sm: the session manager.
#include "sm_config.hpp"
#include "daemon.hpp"
#include "net/loop.hpp"
#include "sm.hpp"
#include "systemd.hpp"

int main(int argc, char** argv) {
    using namespace jng;
    int exit_code = 0;
    auto opts = daemon::parse_args(argc, argv, "jabberd-ng-sm", "/etc/jabberd-ng/sm.xml", exit_code);
    if (!opts) return exit_code;
    Log log("sm");
    auto config = sm::load_config(opts->config_path, log, opts->debug);
    if (!config) return 1;
    if (opts->check_only) {
        log.info("{}: configuration is valid", opts->config_path);
        return 0;
    }
    log.set_ident(config->id);
    net::Loop loop;
    sm::SessionManager manager(loop, log, std::move(*config));
    if (auto st = manager.start(); !st) {
        log.error("{}", st.message());
        return 1;
    }
    daemon::install_signals(loop, log, [&manager] { manager.shutdown(); }, {});
    auto watchdog = systemd::start_watchdog(loop);
    loop.run();
    systemd::notify_stopping();
    return 0;
}
