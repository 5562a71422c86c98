// Shared daemon start-up.
#include "daemon.hpp"

#include "jid.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>

namespace jng::daemon {

std::optional<Options> parse_args(int argc, char** argv, std::string_view name,
                                  std::string_view default_config, int& exit_code) {
    Options o;
    o.config_path = std::string(default_config);
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "-c" && i + 1 < argc) {
            o.config_path = argv[++i];
        } else if (a == "-D") {
            o.debug = true;
        } else if (a == "--check") {
            o.check_only = true;
        } else {
            const bool help = a == "-h" || a == "--help";
            std::fprintf(help ? stdout : stderr,
                         "usage: %.*s [-c CONFIG] [-D] [--check]\n"
                         "  -c CONFIG  configuration file (default %.*s)\n"
                         "  -D         debug logging\n"
                         "  --check    validate the configuration and exit\n",
                         static_cast<int>(name.size()), name.data(),
                         static_cast<int>(default_config.size()), default_config.data());
            exit_code = help ? 0 : 2;
            return std::nullopt;
        }
    }
    return o;
}

void configure_log(config::Reader& reader, Log& log, bool debug) {
    const std::string level = reader.choice("log/level", "info",
                                            {"debug", "info", "notice", "warning", "error"});
    const std::string sink = reader.choice("log/sink", "stderr", {"stderr", "syslog"});
    log.set_level(debug ? LogLevel::kDebug : parse_log_level(level).value_or(LogLevel::kInfo));
    log.set_sink(sink == "syslog" ? Log::Sink::kSyslog : Log::Sink::kStderr);
}

void install_signals(net::Loop& loop, Log& log, std::function<void()> on_stop,
                     std::function<void()> on_reload) {
    std::signal(SIGPIPE, SIG_IGN);
    // Goodbyes written by on_stop (stream errors, session ends) need a few
    // loop turns to reach the wire before the loop stops.
    auto grace = std::make_shared<std::unique_ptr<net::Timer>>();
    auto stop = [&loop, &log, on_stop, grace](const char* which) {
        if (*grace) return;
        log.notice("{} received, stopping", which);
        if (on_stop) on_stop();
        *grace = std::make_unique<net::Timer>(loop, [&loop] { loop.stop(); });
        (*grace)->start(std::chrono::milliseconds(on_stop ? 300 : 0));
    };
    loop.on_signal(SIGTERM, [stop] { stop("SIGTERM"); });
    loop.on_signal(SIGINT, [stop] { stop("SIGINT"); });
    loop.on_signal(SIGHUP, [&log, on_reload] {
        if (on_reload) {
            log.notice("SIGHUP received, reloading");
            on_reload();
        } else {
            log.notice("SIGHUP received; nothing of this daemon's config can change at run time");
        }
    });
}

std::optional<config::Document> load_config(const std::string& path, Log& log) {
    auto doc = config::Document::load(path);
    if (!doc) {
        log.error("{}", doc.message());
        return std::nullopt;
    }
    return std::move(*doc);
}

bool report(const config::Reader& reader, Log& log) {
    for (const auto& e : reader.errors()) log.error("{}", e);
    return reader.ok();
}

std::string relative_to(const std::string& config_path, const std::string& file) {
    if (file.empty() || file.front() == '/') return file;
    const auto slash = config_path.rfind('/');
    if (slash == std::string::npos) return file;
    return config_path.substr(0, slash + 1) + file;
}

std::vector<std::string> read_domains(config::Reader& reader, std::string_view path) {
    std::vector<std::string> domains;
    for (const config::Node* n : reader.all(path)) {
        auto d = jid::nameprep(n->text);
        if (!d) {
            reader.error(*n, "invalid domain '" + n->text + "': " + d.message());
        } else {
            domains.push_back(std::move(*d));
        }
    }
    if (domains.empty()) {
        reader.error("at least one domain is required in <" + std::string(path) + ">");
    }
    return domains;
}

}  // namespace jng::daemon
