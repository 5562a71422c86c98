// Log line formatting and sinks. Under systemd (JOURNAL_STREAM set) lines carry
// the <N> priority prefix journald understands and no timestamp of their own.
#include "log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <ctime>

namespace jng {
namespace {

constexpr std::array<std::string_view, 5> kLevelNames = {"debug", "info", "notice", "warning",
                                                          "error"};
constexpr std::array<int, 5> kSyslogPriority = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING,
                                                 LOG_ERR};

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
    for (size_t i = 0; i < kLevelNames.size(); ++i) {
        if (kLevelNames[i] == name) return static_cast<LogLevel>(i);
    }
    if (name == "warn") return LogLevel::kWarning;
    if (name == "err") return LogLevel::kError;
    return std::nullopt;
}

Log::Log(std::string ident, LogLevel level, Sink sink)
    : ident_(std::move(ident)), level_(level), sink_(Sink::kStderr),
      journald_(std::getenv("JOURNAL_STREAM") != nullptr) {
    set_sink(sink);
}

Log::~Log() {
    if (sink_ == Sink::kSyslog) closelog();
}

void Log::set_sink(Sink sink) {
    if (sink_ == Sink::kSyslog && sink != Sink::kSyslog) closelog();
    if (sink == Sink::kSyslog && sink_ != Sink::kSyslog) {
        openlog(ident_.c_str(), LOG_PID, LOG_DAEMON);
    }
    sink_ = sink;
}

void Log::write(LogLevel level, std::string_view message) {
    const auto index = static_cast<size_t>(level);
    if (sink_ == Sink::kSyslog) {
        syslog(kSyslogPriority[index], "%.*s", static_cast<int>(message.size()), message.data());
        return;
    }
    std::string line;
    line.reserve(message.size() + 64);
    if (journald_) {
        line = fmt::format("<{}>{} [{}] {}\n", kSyslogPriority[index], ident_, kLevelNames[index],
                           message);
    } else {
        const auto now = std::chrono::system_clock::now();
        const std::time_t secs = std::chrono::system_clock::to_time_t(now);
        const auto millis =
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
            1000;
        std::tm tm{};
        gmtime_r(&secs, &tm);
        line = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} [{}] {}\n",
                           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                           tm.tm_sec, millis, ident_, kLevelNames[index], message);
    }
    // One write(2) per line keeps lines whole when several processes share a file.
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace jng
