// What every scenario runs on: the event loop, the TLS client context,
// libgsasl, source addresses, the accounts of this shard, the report, and a
// hard deadline that ends the run whatever the server does.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "client.hpp"
#include "net/loop.hpp"
#include "options.hpp"
#include "report.hpp"
#include "sasl_client.hpp"
#include "tls/tls.hpp"

namespace jng::loadgen {

class Run {
public:
    static Result<std::unique_ptr<Run>> create(Options options);
    ~Run();
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    const Options& options() const { return options_; }
    net::Loop& loop() { return *loop_; }
    const ClientSetup& client_setup() const { return setup_; }
    const std::vector<Account>& accounts() const { return accounts_; }
    Report& report() { return report_; }
    std::mt19937_64& rng() { return rng_; }
    uint64_t run_id() const { return run_id_; }
    SaslLibrary& sasl() { return *sasl_; }

    // Runs the loop until stop(), or until `limit` has passed: then
    // `on_expire` runs (it should stop the run; if it does not, the loop is
    // stopped anyway a few seconds later).
    void run_loop(std::chrono::milliseconds limit, std::function<void()> on_expire);
    void stop();

    // Progress for people, on stderr (not with --quiet).
    void progress(const std::string& text) const;
    void detail(const std::string& text) const;  // only with --verbose

    // Seconds since the run started.
    double elapsed() const;

    // CPU time and peak memory of this process, and the machine's steal
    // time since the run started, into the report.
    void record_client_usage();

private:
    explicit Run(Options options);

    Options options_;
    std::unique_ptr<net::Loop> loop_;
    std::unique_ptr<tls::Context> tls_;
    std::unique_ptr<SaslLibrary> sasl_;
    std::unique_ptr<SourcePool> sources_;
    ClientSetup setup_;
    std::vector<Account> accounts_;
    Report report_;
    std::mt19937_64 rng_;
    uint64_t run_id_ = 0;
    Clock::time_point started_;
    std::optional<double> steal_at_start_;
};

// Seconds between two time points, as a double.
inline double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
inline std::chrono::milliseconds to_ms(double s) {
    return std::chrono::milliseconds(static_cast<int64_t>(s * 1000.0));
}
// Per-second rate, 0 when no time passed.
inline double per_second(uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0.0; }

}  // namespace jng::loadgen
