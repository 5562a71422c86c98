// Parsing the command line into Options, with bounds on every number.
#include "options.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>

namespace jng::loadgen {

std::string_view scenario_name(Scenario s) {
    switch (s) {
        case Scenario::kLogin: return "login";
        case Scenario::kChat: return "chat";
        case Scenario::kPresence: return "presence";
        case Scenario::kIdle: return "idle";
        case Scenario::kOffline: return "offline";
        case Scenario::kRosterSetup: return "roster-setup";
    }
    return "?";
}

std::string_view tls_mode_name(TlsMode t) {
    switch (t) {
        case TlsMode::kStartTls: return "starttls";
        case TlsMode::kDirect: return "direct";
        case TlsMode::kNone: return "none";
    }
    return "?";
}

std::string_view mechanism_name(Mechanism m) {
    return m == Mechanism::kPlain ? "PLAIN" : "SCRAM-SHA-256";
}

std::string usage() {
    return R"(usage: loadgen SCENARIO [options]

Scenarios (each prints a table, and a JSON summary with --json):
  login         N accounts log in as fast as possible, --in-flight at a time:
                TCP, STARTTLS, SASL, bind, roster get, initial presence
  chat          --users online users send messages to random others, at
                --rate per second in all or --window unanswered per user
  presence      online users with rosters change presence; the server fans
                each change out to their contacts
  idle          --users sessions held open for --duration with whitespace
                keepalives (--ready-file tells a memory probe when)
  offline       --senders flood offline accounts with --messages-per-user
                messages, then each recipient logs in once and drains them
  roster-setup  creates mutual subscriptions through the protocol: a ring
                where each user has --contacts contacts (run it once before
                'presence')

Target and accounts:
  --host ADDR               loopback only: 127.0.0.0/8 or ::1 (127.0.0.1)
  --port N                  (5222; the direct-TLS port with --tls direct)
  --domain NAME             (localhost)
  --users N                 accounts user{first}..user{first+N-1} (100)
  --first-user N            (0)
  --user-prefix TEXT        (user)
  --user-list FILE          lines "NODE [PASSWORD]" instead of the range
  --password TEXT           the accounts' common password (password)
  --shard I/N               this process takes the I-th of N equal slices of
                            the accounts (0/1); run N processes for more than
                            one process can hold (about 20,000 connections)
  --source-addresses LIST   bind connections to these local addresses in
                            turn, e.g. 127.0.0.1-127.0.0.20 (kernel's choice)
Protocol:
  --tls starttls|direct|none   (starttls)
  --mech SCRAM-SHA-256|PLAIN   (SCRAM-SHA-256)
  --scram-cache FILE        keep SCRAM salted passwords here between runs, as
                            clients keep them, so that the load generator
                            does not spend its CPU on PBKDF2 for every login
Load and bounds:
  --in-flight M             logins under way at once (100)
  --window K                chat/presence/offline: stanzas in flight per user (1)
  --rate R                  chat/presence: R stanzas per second in all
                            instead of the window
  --duration S              measured phase; login: the most it may take (10)
  --count N                 login: logins in all, accounts reused in turn
                            (one per account)
  --warmup S                chat/presence: first S seconds not measured (0)
  --drain S                 wait for stanzas under way after sending (5)
  --step-timeout S          longest wait for any one server reply (15)
  --setup-timeout S         longest for logging everybody in first (120)
Scenario specifics:
  --contacts R              presence/roster-setup: contacts per user, even (10)
  --messages-per-user M     offline: messages stored per recipient (10)
  --senders S               offline: sending accounts (a tenth of the users)
  --keepalive S             idle: seconds between whitespace keepalives (30)
  --ready-file FILE         idle: written when every session is up
  --hold                    login: keep sessions open until all are done
  --login-ping              every login ends at the reply to a ping sent right
                            after the initial presence, instead of at the
                            presence's echo (for servers that do not echo it)
  --body-bytes N            chat: padding in each message body (0)
  --seed N                  random choices (from the clock)
Output:
  --json FILE               the JSON summary ('-': stdout, table to stderr)
  --quiet / --verbose       progress lines on stderr: none / per failure
)";
}

namespace {

template <class T>
Status parse_int(std::string_view text, T& out, T lo, T hi, std::string_view name) {
    T v{};
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || v < lo || v > hi) {
        return fail("--" + std::string(name) + " wants a whole number from " + std::to_string(lo) +
                    " to " + std::to_string(hi) + ", not '" + std::string(text) + "'");
    }
    out = v;
    return {};
}

Status parse_seconds(std::string_view text, double& out, double lo, double hi, std::string_view name) {
    std::string s(text);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < lo || v > hi) {
        return fail("--" + std::string(name) + " wants a number from " + std::to_string(lo) + " to " +
                    std::to_string(hi) + ", not '" + s + "'");
    }
    out = v;
    return {};
}

Status parse_shard(std::string_view text, Shard& out) {
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos) return fail("--shard wants I/N, e.g. 0/4");
    unsigned i = 0, n = 0;
    if (auto s = parse_int<unsigned>(text.substr(slash + 1), n, 1, 1024, "shard"); !s) return s;
    if (auto s = parse_int<unsigned>(text.substr(0, slash), i, 0, n - 1, "shard"); !s) return s;
    out = {i, n};
    return {};
}

constexpr size_t kMaxUsers = 10'000'000;

}  // namespace

Result<Options> parse_options(int argc, char** argv) {
    Options o;
    if (argc < 2) return fail(usage());
    const std::string_view first = argv[1];
    if (first == "--help" || first == "-h" || first == "help") return fail(usage());
    static const std::map<std::string_view, Scenario> kScenarios = {
        {"login", Scenario::kLogin},       {"chat", Scenario::kChat},
        {"presence", Scenario::kPresence}, {"idle", Scenario::kIdle},
        {"offline", Scenario::kOffline},   {"roster-setup", Scenario::kRosterSetup}};
    const auto sc = kScenarios.find(first);
    if (sc == kScenarios.end()) return fail("unknown scenario '" + std::string(first) + "'\n\n" + usage());
    o.scenario = sc->second;

    bool port_given = false;
    using Setter = std::function<Status(std::string_view)>;
    const std::map<std::string_view, Setter> with_value = {
        {"host", [&](auto v) { o.host = v; return Status{}; }},
        {"port", [&](auto v) { port_given = true; return parse_int<uint16_t>(v, o.port, 1, 65535, "port"); }},
        {"domain", [&](auto v) { o.domain = v; return v.empty() ? Status(fail("--domain is empty")) : Status{}; }},
        {"users", [&](auto v) { return parse_int<size_t>(v, o.users, 1, kMaxUsers, "users"); }},
        {"first-user", [&](auto v) { return parse_int<size_t>(v, o.first_user, 0, kMaxUsers, "first-user"); }},
        {"user-prefix", [&](auto v) { o.user_prefix = v; return Status{}; }},
        {"user-list", [&](auto v) { o.user_list = v; return Status{}; }},
        {"password", [&](auto v) { o.password = v; return Status{}; }},
        {"shard", [&](auto v) { return parse_shard(v, o.shard); }},
        {"source-addresses", [&](auto v) { o.sources_text = v; return Status{}; }},
        {"tls", [&](auto v) {
             if (v == "starttls") o.tls = TlsMode::kStartTls;
             else if (v == "direct") o.tls = TlsMode::kDirect;
             else if (v == "none") o.tls = TlsMode::kNone;
             else return Status(fail("--tls is starttls, direct or none"));
             return Status{};
         }},
        {"mech", [&](auto v) {
             if (v == "SCRAM-SHA-256") o.mech = Mechanism::kScramSha256;
             else if (v == "PLAIN") o.mech = Mechanism::kPlain;
             else return Status(fail("--mech is SCRAM-SHA-256 or PLAIN"));
             return Status{};
         }},
        {"in-flight", [&](auto v) { return parse_int<size_t>(v, o.in_flight, 1, 1'000'000, "in-flight"); }},
        {"window", [&](auto v) { return parse_int<size_t>(v, o.window, 1, 10'000, "window"); }},
        {"rate", [&](auto v) { return parse_seconds(v, o.rate, 0, 1e8, "rate"); }},
        {"duration", [&](auto v) { return parse_seconds(v, o.duration, 0.1, 86400, "duration"); }},
        {"count", [&](auto v) { return parse_int<size_t>(v, o.count, 0, 1'000'000'000, "count"); }},
        {"warmup", [&](auto v) { return parse_seconds(v, o.warmup, 0, 86400, "warmup"); }},
        {"drain", [&](auto v) { return parse_seconds(v, o.drain, 0, 3600, "drain"); }},
        {"step-timeout", [&](auto v) { return parse_seconds(v, o.step_timeout, 0.1, 3600, "step-timeout"); }},
        {"setup-timeout", [&](auto v) { return parse_seconds(v, o.setup_timeout, 1, 86400, "setup-timeout"); }},
        {"contacts", [&](auto v) { return parse_int<size_t>(v, o.contacts, 0, 100'000, "contacts"); }},
        {"messages-per-user", [&](auto v) { return parse_int<size_t>(v, o.messages_per_user, 1, 1'000'000, "messages-per-user"); }},
        {"senders", [&](auto v) { return parse_int<size_t>(v, o.senders, 1, kMaxUsers, "senders"); }},
        {"keepalive", [&](auto v) { return parse_seconds(v, o.keepalive, 1, 3600, "keepalive"); }},
        {"ready-file", [&](auto v) { o.ready_file = v; return Status{}; }},
        {"body-bytes", [&](auto v) { return parse_int<size_t>(v, o.body_bytes, 0, 65536, "body-bytes"); }},
        {"seed", [&](auto v) { return parse_int<uint64_t>(v, o.seed, 0, UINT64_MAX, "seed"); }},
        {"json", [&](auto v) { o.json_path = v; return Status{}; }},
        {"scram-cache", [&](auto v) { o.scram_cache = v; return Status{}; }},
    };
    const std::map<std::string_view, bool*> flags = {
        {"hold", &o.hold}, {"login-ping", &o.login_ping}, {"quiet", &o.quiet}, {"verbose", &o.verbose}};

    for (int i = 2; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") return fail(usage());
        if (!arg.starts_with("--")) return fail("unexpected argument '" + std::string(arg) + "'");
        arg.remove_prefix(2);
        std::string_view value;
        bool inline_value = false;
        if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            inline_value = true;
        }
        if (const auto f = flags.find(arg); f != flags.end()) {
            if (inline_value) return fail("--" + std::string(arg) + " takes no value");
            *f->second = true;
            continue;
        }
        const auto w = with_value.find(arg);
        if (w == with_value.end()) return fail("unknown option --" + std::string(arg) + "\n\n" + usage());
        if (!inline_value) {
            if (i + 1 >= argc) return fail("--" + std::string(arg) + " needs a value");
            value = argv[++i];
        }
        if (auto s = w->second(value); !s) return s.error();
    }

    if (!port_given && o.tls == TlsMode::kDirect) o.port = 5223;
    auto target = parse_target(o.host, o.port);
    if (!target) return target.error();
    o.target = std::move(*target);
    auto sources = parse_sources(o.sources_text, o.target.family());
    if (!sources) return sources.error();
    o.sources = std::move(*sources);

    if ((o.scenario == Scenario::kPresence || o.scenario == Scenario::kRosterSetup) &&
        o.contacts % 2 != 0) {
        return fail("--contacts must be even: each user has contacts/2 on either side of the ring");
    }
    return o;
}

Result<std::vector<Account>> shard_accounts(const Options& o) {
    std::vector<Account> all;
    if (!o.user_list.empty()) {
        std::ifstream in(o.user_list);
        if (!in) return fail("cannot read --user-list " + o.user_list);
        std::string line;
        while (std::getline(in, line)) {
            std::string_view l = line;
            while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.remove_suffix(1);
            while (!l.empty() && l.front() == ' ') l.remove_prefix(1);
            if (l.empty() || l.front() == '#') continue;
            const size_t sp = l.find_first_of(" \t");
            Account a;
            a.node = std::string(l.substr(0, sp));
            if (const size_t at = a.node.find('@'); at != std::string::npos) a.node.resize(at);
            a.password = sp == std::string_view::npos ? o.password : std::string(l.substr(l.find_first_not_of(" \t", sp)));
            all.push_back(std::move(a));
            if (all.size() > kMaxUsers) return fail("--user-list has too many accounts");
        }
        if (all.empty()) return fail("--user-list " + o.user_list + " names no accounts");
    } else {
        all.reserve(o.users);
        for (size_t i = 0; i < o.users; ++i) {
            all.push_back({o.user_prefix + std::to_string(o.first_user + i), o.password});
        }
    }
    const size_t n = all.size();
    const size_t lo = n * o.shard.index / o.shard.count;
    const size_t hi = n * (o.shard.index + 1) / o.shard.count;
    if (lo == hi) return fail("shard " + std::to_string(o.shard.index) + "/" + std::to_string(o.shard.count) + " has no accounts");
    return std::vector<Account>(std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(lo)),
                                std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(hi)));
}

}  // namespace jng::loadgen
