// What every daemon's main does the same way: command line, config file,
// logging settings, signals. Each daemon reads its own settings from the
// Document this returns.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "log.hpp"
#include "net/loop.hpp"
#include "result.hpp"
#include "systemd.hpp"

namespace jng::daemon {

struct Options {
    std::string config_path;
    bool debug = false;        // -D: log level debug
    bool check_only = false;   // --check: validate the config and exit
};

// Parses argv ("-c FILE", "-D", "--check", "-h"); prints usage and returns
// nullopt when the daemon should exit (with `exit_code`).
std::optional<Options> parse_args(int argc, char** argv, std::string_view name,
                                  std::string_view default_config, int& exit_code);

// Reads <log><level/><sink/></log> into `log` (marking them read).
void configure_log(config::Reader& reader, Log& log, bool debug);

// SIGTERM/SIGINT stop the loop (after `on_stop`), SIGHUP calls `on_reload`,
// SIGPIPE is ignored (a dead peer is a write error, not a crash).
void install_signals(net::Loop& loop, Log& log, std::function<void()> on_stop,
                     std::function<void()> on_reload);

// Loads the config file or logs every error with file and line; nullopt
// means the daemon must exit with status 1.
std::optional<config::Document> load_config(const std::string& path, Log& log);
// Logs the reader's errors; false if there were any.
bool report(const config::Reader& reader, Log& log);

// The path of a file named in a config, relative to the config's directory.
std::string relative_to(const std::string& config_path, const std::string& file);

// The domains listed at `path` (e.g. "local/id"), nameprep'd; an invalid or
// missing one is a config error.
std::vector<std::string> read_domains(config::Reader& reader, std::string_view path);

struct Spec {
    std::string_view program;         // for usage: "jabberd-ng-sm"
    std::string_view ident;           // log name until the config names one
    std::string_view default_config;  // "/etc/jabberd-ng/sm.xml"
};

// A daemon's main(): command line, config (refused with file and line),
// --check, the loop, signals, watchdog. `load(path, log, debug)` returns
// std::optional<Config> (a Config with an `id`); `make(loop, log, Config&&)`
// builds and starts the daemon and returns Result<std::unique_ptr<D>>. D may
// have shutdown() (called on SIGTERM/SIGINT) and reload() (SIGHUP).
template <class Load, class Make>
int run(int argc, char** argv, const Spec& spec, Load load, Make make) {
    int exit_code = 0;
    auto opts = parse_args(argc, argv, spec.program, spec.default_config, exit_code);
    if (!opts) return exit_code;
    Log log{std::string(spec.ident)};
    auto config = load(opts->config_path, log, opts->debug);
    if (!config) return 1;
    if (opts->check_only) {
        log.info("{}: configuration is valid", opts->config_path);
        return 0;
    }
    log.set_ident(config->id);
    net::Loop loop;
    auto daemon = make(loop, log, std::move(*config));
    if (!daemon) {
        log.error("{}", daemon.message());
        return 1;
    }
    auto& d = **daemon;
    std::function<void()> on_stop;
    std::function<void()> on_reload;
    if constexpr (requires { d.shutdown(); }) on_stop = [&d] { d.shutdown(); };
    if constexpr (requires { d.reload(); }) on_reload = [&d] { d.reload(); };
    install_signals(loop, log, on_stop, on_reload);
    auto watchdog = systemd::start_watchdog(loop);
    loop.run();
    systemd::notify_stopping();
    return 0;
}

}  // namespace jng::daemon
