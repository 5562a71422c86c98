// XEP-0082 DateTime parsing and formatting: a strict reader of the one
// profile (plus XEP-0091's legacy stamp), so that a malformed time is a
// bad-request instead of a guess.
#include "datetime.hpp"

#include <chrono>

#include <fmt/format.h>

namespace jng::sm {
namespace {

// Reads exactly `n` decimal digits at `pos`; advances `pos`.
std::optional<int> digits(std::string_view s, size_t& pos, size_t n) {
    if (s.size() < pos + n) return std::nullopt;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    pos += n;
    return v;
}

bool expect(std::string_view s, size_t& pos, char c) {
    if (pos >= s.size() || s[pos] != c) return false;
    ++pos;
    return true;
}

struct Fields {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    int offset = 0;  // seconds east of UTC
};

std::optional<int64_t> to_unix(const Fields& f) {
    using namespace std::chrono;
    const year_month_day date{year{f.year}, month{static_cast<unsigned>(f.month)},
                              day{static_cast<unsigned>(f.day)}};
    if (!date.ok() || f.hour > 23 || f.minute > 59 || f.second > 59) return std::nullopt;
    const int64_t days = sys_days{date}.time_since_epoch().count();
    const int64_t t = days * 86400 + f.hour * 3600 + f.minute * 60 + f.second - f.offset;
    if (t < 0) return std::nullopt;
    return t;
}

// hh:mm:ss
bool read_time(std::string_view s, size_t& pos, Fields& f) {
    const auto h = digits(s, pos, 2);
    if (!h || !expect(s, pos, ':')) return false;
    const auto m = digits(s, pos, 2);
    if (!m || !expect(s, pos, ':')) return false;
    const auto sec = digits(s, pos, 2);
    if (!sec) return false;
    f.hour = *h;
    f.minute = *m;
    f.second = *sec;
    return true;
}

std::optional<int64_t> parse_profile(std::string_view s) {
    Fields f;
    size_t pos = 0;
    const auto y = digits(s, pos, 4);
    if (!y || !expect(s, pos, '-')) return std::nullopt;
    const auto mo = digits(s, pos, 2);
    if (!mo || !expect(s, pos, '-')) return std::nullopt;
    const auto d = digits(s, pos, 2);
    if (!d || !expect(s, pos, 'T')) return std::nullopt;
    f.year = *y;
    f.month = *mo;
    f.day = *d;
    if (!read_time(s, pos, f)) return std::nullopt;
    // Optional fractions of a second: at least one digit after the dot.
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        const size_t first = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
        if (pos == first) return std::nullopt;
    }
    // TZD (XEP-0082 §3.1): required.
    if (pos >= s.size()) return std::nullopt;
    if (s[pos] == 'Z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        const int sign = s[pos] == '+' ? 1 : -1;
        ++pos;
        const auto oh = digits(s, pos, 2);
        if (!oh || !expect(s, pos, ':')) return std::nullopt;
        const auto om = digits(s, pos, 2);
        if (!om || *oh > 23 || *om > 59) return std::nullopt;
        f.offset = sign * (*oh * 3600 + *om * 60);
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    return to_unix(f);
}

// XEP-0091: CCYYMMDDThh:mm:ss, always UTC.
std::optional<int64_t> parse_legacy(std::string_view s) {
    Fields f;
    size_t pos = 0;
    const auto y = digits(s, pos, 4);
    const auto mo = y ? digits(s, pos, 2) : std::nullopt;
    const auto d = mo ? digits(s, pos, 2) : std::nullopt;
    if (!d || !expect(s, pos, 'T')) return std::nullopt;
    f.year = *y;
    f.month = *mo;
    f.day = *d;
    if (!read_time(s, pos, f) || pos != s.size()) return std::nullopt;
    return to_unix(f);
}

}  // namespace

std::optional<int64_t> parse_datetime(std::string_view text) {
    if (text.size() > 8 && text[4] != '-') return parse_legacy(text);
    return parse_profile(text);
}

std::string format_datetime(int64_t t) {
    using namespace std::chrono;
    const sys_seconds tp{seconds{t}};
    const sys_days day = floor<days>(tp);
    const year_month_day ymd{day};
    const hh_mm_ss hms{tp - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::string format_tzo(int64_t offset_seconds) {
    const char sign = offset_seconds < 0 ? '-' : '+';
    const int64_t a = offset_seconds < 0 ? -offset_seconds : offset_seconds;
    return fmt::format("{}{:02}:{:02}", sign, a / 3600, a % 3600 / 60);
}

}  // namespace jng::sm
