// Logging: one line per event, tagged with the daemon's name, to stderr
// (journald-aware) or syslog. A Log is created in main and passed by reference.
#pragma once

#include <cstdio>
#include <fmt/format.h>
#include <optional>
#include <string>
#include <string_view>

namespace jng {

enum class LogLevel { kDebug = 0, kInfo = 1, kNotice = 2, kWarning = 3, kError = 4 };

std::optional<LogLevel> parse_log_level(std::string_view name);

class Log {
public:
    enum class Sink { kStderr, kSyslog };

    explicit Log(std::string ident, LogLevel level = LogLevel::kInfo, Sink sink = Sink::kStderr);
    ~Log();
    Log(const Log&) = delete;
    Log& operator=(const Log&) = delete;

    void set_level(LogLevel level) { level_ = level; }
    void set_sink(Sink sink);
    LogLevel level() const { return level_; }
    bool enabled(LogLevel level) const { return level >= level_; }
    const std::string& ident() const { return ident_; }
    void set_ident(std::string ident) { ident_ = std::move(ident); }

    void write(LogLevel level, std::string_view message);

    template <class... Args>
    void debug(fmt::format_string<Args...> f, Args&&... args) {
        emit(LogLevel::kDebug, f, std::forward<Args>(args)...);
    }
    template <class... Args>
    void info(fmt::format_string<Args...> f, Args&&... args) {
        emit(LogLevel::kInfo, f, std::forward<Args>(args)...);
    }
    template <class... Args>
    void notice(fmt::format_string<Args...> f, Args&&... args) {
        emit(LogLevel::kNotice, f, std::forward<Args>(args)...);
    }
    template <class... Args>
    void warning(fmt::format_string<Args...> f, Args&&... args) {
        emit(LogLevel::kWarning, f, std::forward<Args>(args)...);
    }
    template <class... Args>
    void error(fmt::format_string<Args...> f, Args&&... args) {
        emit(LogLevel::kError, f, std::forward<Args>(args)...);
    }

private:
    template <class... Args>
    void emit(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
        if (!enabled(level)) return;
        write(level, fmt::format(f, std::forward<Args>(args)...));
    }

    std::string ident_;
    LogLevel level_;
    Sink sink_;
    bool journald_;
};

}  // namespace jng
