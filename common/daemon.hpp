// What every daemon's main does the same way: command line, config file,
// logging settings, signals. Each daemon reads its own settings from the
// Document this returns.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config.hpp"
#include "log.hpp"
#include "net/loop.hpp"

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

}  // namespace jng::daemon
