// loadgen: the benchmark client. Parses the options, runs one scenario
// against a loopback server, prints a table and writes the JSON summary.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "options.hpp"
#include "run.hpp"
#include "scenarios.hpp"

using namespace jng::loadgen;

namespace {

jng::Status run_scenario(Run& run) {
    switch (run.options().scenario) {
        case Scenario::kLogin: return run_login(run);
        case Scenario::kChat: return run_chat(run);
        case Scenario::kPresence: return run_presence(run);
        case Scenario::kIdle: return run_idle(run);
        case Scenario::kOffline: return run_offline(run);
        case Scenario::kRosterSetup: return run_roster_setup(run);
    }
    return jng::fail("unknown scenario");
}

bool write_file(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        if (!out) return false;
    }
    return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto options = parse_options(argc, argv);
    if (!options) {
        const bool help = options.message().starts_with("usage:");
        std::fprintf(help ? stdout : stderr, "%s%s", help ? "" : "loadgen: ", options.message().c_str());
        if (!options.message().ends_with("\n")) std::fputc('\n', help ? stdout : stderr);
        return help ? 0 : 2;
    }
    // A server that closes on us must not kill the process mid-write.
    std::signal(SIGPIPE, SIG_IGN);
    // libevent's timers on epoll wake up in whole milliseconds, rounded up:
    // a 1 ms tick came every 2 ms, and --rate sent in bursts that late.
    // Timers on timerfd are precise to the microsecond.
    setenv("EVENT_PRECISE_TIMER", "1", 0);

    auto run = Run::create(std::move(*options));
    if (!run) {
        std::fprintf(stderr, "loadgen: %s\n", run.message().c_str());
        return 2;
    }
    Run& r = **run;
    const Options& o = r.options();
    if (!o.scram_cache.empty()) {
        if (auto st = r.sasl().load_cache(o.scram_cache); !st) {
            std::fprintf(stderr, "loadgen: %s\n", st.message().c_str());
            return 2;
        }
    }
    if (auto st = run_scenario(r); !st) {
        std::fprintf(stderr, "loadgen: %s\n", st.message().c_str());
        return 2;
    }
    r.record_client_usage();
    if (!o.scram_cache.empty()) {
        if (auto st = r.sasl().save_cache(o.scram_cache); !st) {
            std::fprintf(stderr, "loadgen: %s\n", st.message().c_str());
        }
    }

    const std::string json = r.report().to_json(o);
    const std::string table = r.report().to_table(o);
    if (o.json_path == "-") {
        std::fputs(table.c_str(), stderr);
        std::fputs(json.c_str(), stdout);
    } else {
        std::fputs(table.c_str(), stdout);
        if (!o.json_path.empty() && !write_file(o.json_path, json)) {
            std::fprintf(stderr, "loadgen: cannot write %s\n", o.json_path.c_str());
            return 2;
        }
    }
    std::fflush(stdout);
    // Exit status: 0 when nothing went wrong, 1 when the server made errors
    // (the summary says which), so scripts notice.
    return r.report().errors().total() == 0 ? 0 : 1;
}
