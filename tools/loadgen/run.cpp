// Run: building the shared pieces once, the loop with its hard deadline.
#include "run.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace jng::loadgen {

namespace {

// Files that are not client connections: stdio, the loop's eventfd, logs.
constexpr rlim_t kSpareFiles = 64;

Status raise_file_limit(size_t connections) {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return fail("getrlimit failed");
    const rlim_t wanted = static_cast<rlim_t>(connections) + kSpareFiles;
    if (lim.rlim_cur < wanted) {
        lim.rlim_cur = std::min(lim.rlim_max, std::max(wanted, lim.rlim_cur));
        setrlimit(RLIMIT_NOFILE, &lim);
        getrlimit(RLIMIT_NOFILE, &lim);
    }
    if (lim.rlim_cur < wanted) {
        return fail("this shard needs " + std::to_string(wanted) + " open files but may have only " +
                    std::to_string(lim.rlim_cur) + ": split the accounts with --shard I/N");
    }
    return {};
}

// The machine's steal time so far, summed over its CPUs: what the
// hypervisor gave to other guests while this one had work. On a virtual
// machine the latency figures move with it, so a run reports it.
std::optional<double> machine_steal_seconds() {
    std::ifstream in("/proc/stat");
    std::string label;
    if (!(in >> label) || label != "cpu") return std::nullopt;
    // user nice system idle iowait irq softirq steal, in clock ticks
    uint64_t ticks[8]{};
    for (uint64_t& t : ticks) {
        if (!(in >> t)) return std::nullopt;
    }
    const long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0) return std::nullopt;
    return static_cast<double>(ticks[7]) / static_cast<double>(hz);
}

}  // namespace

Run::Run(Options options) : options_(std::move(options)), report_(std::string(scenario_name(options_.scenario))) {}

Run::~Run() = default;

Result<std::unique_ptr<Run>> Run::create(Options options) {
    std::unique_ptr<Run> run(new Run(std::move(options)));
    const Options& o = run->options_;
    auto accounts = shard_accounts(o);
    if (!accounts) return accounts.error();
    run->accounts_ = std::move(*accounts);

    // Sessions open at once: all of them, except in the login storm, where
    // only those logging in (and, with --hold, those done) are.
    size_t connections = run->accounts_.size();
    if (o.scenario == Scenario::kLogin && !o.hold) connections = std::min(connections, o.in_flight * 2);
    if (auto st = raise_file_limit(connections); !st) return st.error();

    run->loop_ = std::make_unique<net::Loop>();
    if (o.tls != TlsMode::kNone) {
        tls::ContextOptions tls_options;
        tls_options.role = tls::Role::kClient;
        auto ctx = tls::create_context(tls_options);
        if (!ctx) return fail("TLS: " + ctx.message());
        run->tls_ = std::move(*ctx);
    }
    auto sasl = SaslLibrary::create();
    if (!sasl) return sasl.error();
    run->sasl_ = std::move(*sasl);
    run->sources_ = std::make_unique<SourcePool>(o.sources);

    run->setup_.loop = run->loop_.get();
    run->setup_.tls = run->tls_.get();
    run->setup_.sasl = run->sasl_.get();
    run->setup_.sources = run->sources_.get();
    run->setup_.target = o.target;
    run->setup_.domain = o.domain;
    run->setup_.tls_mode = o.tls;
    run->setup_.mech = o.mech;
    run->setup_.step_timeout = to_ms(o.step_timeout);
    run->setup_.login_ping = o.login_ping;
    run->setup_.xml_names = std::make_shared<xml::SharedNames>();

    std::random_device rd;
    const uint64_t seed = o.seed != 0 ? o.seed : (static_cast<uint64_t>(rd()) << 32 | rd());
    run->rng_.seed(seed);
    run->run_id_ = run->rng_() & 0xffffffffffffULL;
    run->started_ = Clock::now();
    run->steal_at_start_ = machine_steal_seconds();
    return run;
}

void Run::run_loop(std::chrono::milliseconds limit, std::function<void()> on_expire) {
    // Past the limit the scenario is told; if it still has not stopped the
    // loop a little later (a close that does not finish), the loop stops.
    net::Timer expire(*loop_, [this, on_expire = std::move(on_expire)] {
        progress("time limit reached");
        on_expire();
    });
    net::Timer backstop(*loop_, [this] {
        progress("stopping: the run did not wind down in time");
        stop();
    });
    expire.start(limit);
    backstop.start(limit + std::chrono::milliseconds(5000) + setup_.step_timeout);
    loop_->run();
}

void Run::stop() { loop_->stop(); }

double Run::elapsed() const { return seconds(Clock::now() - started_); }

void Run::progress(const std::string& text) const {
    if (options_.quiet) return;
    std::fprintf(stderr, "[%7.2fs] %s\n", elapsed(), text.c_str());
}

void Run::detail(const std::string& text) const {
    if (options_.verbose) progress(text);
}

void Run::record_client_usage() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    report_.set_client("cpu_user_s", tv(ru.ru_utime));
    report_.set_client("cpu_system_s", tv(ru.ru_stime));
    report_.set_client("max_rss_kib", static_cast<uint64_t>(ru.ru_maxrss));
    report_.set_client("scram_cache_hits", static_cast<uint64_t>(sasl_->cache_hits()));
    report_.set_client("pbkdf2_derivations", static_cast<uint64_t>(sasl_->cache_misses()));
    const auto steal = machine_steal_seconds();
    if (steal && steal_at_start_) report_.set_client("machine_steal_s", *steal - *steal_at_start_);
}

}  // namespace jng::loadgen
