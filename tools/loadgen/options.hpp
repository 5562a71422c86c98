// Command line of the load generator: the scenario and every knob, checked
// once so that scenarios can trust what they get.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "address.hpp"
#include "result.hpp"

namespace jng::loadgen {

enum class Scenario { kLogin, kChat, kPresence, kIdle, kOffline, kRosterSetup };
enum class TlsMode { kStartTls, kDirect, kNone };
enum class Mechanism { kScramSha256, kPlain };

std::string_view scenario_name(Scenario s);
std::string_view tls_mode_name(TlsMode t);
std::string_view mechanism_name(Mechanism m);

struct Shard {
    unsigned index = 0;
    unsigned count = 1;
};

struct Account {
    std::string node;
    std::string password;
};

struct Options {
    Scenario scenario = Scenario::kLogin;

    // Where, and as whom.
    Endpoint target;
    std::string host = "127.0.0.1";
    uint16_t port = 5222;
    std::string domain = "localhost";
    std::vector<Endpoint> sources;
    std::string sources_text;
    size_t users = 100;
    size_t first_user = 0;
    std::string user_prefix = "user";
    std::string user_list;  // file of "NODE [PASSWORD]" lines instead of a range
    std::string password = "password";
    Shard shard;

    // How.
    TlsMode tls = TlsMode::kStartTls;
    Mechanism mech = Mechanism::kScramSha256;
    size_t in_flight = 100;  // logins under way at once
    size_t window = 1;       // chat/presence/offline: unanswered stanzas per user
    double rate = 0;         // chat/presence: stanzas per second in all; 0: window mode

    // Bounds (seconds, and counts).
    double duration = 10;    // the measured phase; for login the longest it may take
    size_t count = 0;        // login: logins in all (0: one per account)
    double warmup = 0;       // chat/presence: not counted at the start
    double drain = 5;        // after sending stops: wait for what is still under way
    double step_timeout = 15;
    double setup_timeout = 120;

    // Scenario specifics.
    size_t contacts = 10;           // presence/roster-setup: roster size R (even)
    size_t messages_per_user = 10;  // offline: stored for each recipient
    size_t senders = 0;             // offline: accounts that send (0: a tenth)
    double keepalive = 30;          // idle: seconds between whitespace pings
    std::string ready_file;         // idle: written once every session is up
    bool hold = false;              // login: keep sessions until every login is done
    bool login_ping = false;        // a login ends at a ping's reply, not the presence echo
    size_t body_bytes = 0;          // chat: padding added to each body
    uint64_t seed = 0;              // 0: from the clock
    std::string scram_cache;        // file keeping SCRAM salted passwords between runs

    std::string json_path;  // "-": stdout
    bool quiet = false;
    bool verbose = false;
};

// Parses argv (scenario first). On --help the error message is the usage.
Result<Options> parse_options(int argc, char** argv);
std::string usage();

// The accounts of this shard: the range user{first}..user{first+users-1} or
// the list file, split evenly by --shard.
Result<std::vector<Account>> shard_accounts(const Options& options);

}  // namespace jng::loadgen
