// History keeping and selection, and the XEP-0082 time format it uses.
#include "history.hpp"

#include <charconv>
#include <ctime>

#include "ns.hpp"
#include "xml/serializer.hpp"

namespace jng::muc {
namespace {

// Characters, not bytes: UTF-8 continuation bytes are not counted.
size_t characters(std::string_view text) {
    size_t n = 0;
    for (unsigned char c : text) {
        if ((c & 0xC0) != 0x80) ++n;
    }
    return n;
}

Result<size_t> parse_count(const xml::Element& history, std::string_view name) {
    const std::string_view text = history.attr(name);
    size_t n = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || p != text.data() + text.size()) {
        return fail("history " + std::string(name) + " '" + std::string(text) +
                    "' is not a number");
    }
    return n;
}

bool digits(std::string_view s, size_t pos, size_t count, int& out) {
    if (pos + count > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

std::optional<TimePoint> parse_datetime(std::string_view s) {
    // CCYY-MM-DDThh:mm:ss[.sss](Z|(+|-)hh:mm)
    int year, month, day, hour, minute, second;
    if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) ||
        s[7] != '-' || !digits(s, 8, 2, day) || s[10] != 'T' || !digits(s, 11, 2, hour) ||
        s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
        second > 60) {
        return std::nullopt;
    }
    size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        const size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
        if (pos == start) return std::nullopt;
    }
    int offset_minutes = 0;
    if (pos < s.size() && s[pos] == 'Z') {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int oh, om;
        if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    const time_t t = timegm(&tm);
    return SystemClock::from_time_t(t) - std::chrono::minutes(offset_minutes);
}

std::string format_datetime(TimePoint at) {
    const time_t t = SystemClock::to_time_t(at);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

Result<HistoryRequest> parse_history(const xml::Element* history) {
    HistoryRequest r;
    if (!history) return r;
    if (history->has_attr("maxchars")) {
        auto n = parse_count(*history, "maxchars");
        if (!n) return n.error();
        r.max_chars = *n;
    }
    if (history->has_attr("maxstanzas")) {
        auto n = parse_count(*history, "maxstanzas");
        if (!n) return n.error();
        r.max_stanzas = *n;
    }
    if (history->has_attr("seconds")) {
        auto n = parse_count(*history, "seconds");
        if (!n) return n.error();
        r.seconds = std::chrono::seconds(*n);
    }
    if (history->has_attr("since")) {
        const auto since = parse_datetime(history->attr("since"));
        if (!since) return fail("history since '" + std::string(history->attr("since")) +
                                "' is not a XEP-0082 date and time");
        r.since = *since;
    }
    return r;
}

xml::Element History::delayed(const HistoryEntry& entry, std::string_view room) {
    xml::Element m = entry.message;
    // XEP-0203 §3; XEP-0045 §7.2.15: from the room's bare JID.
    m.add("delay", ns::kDelay).set_attr("from", room).set_attr("stamp", format_datetime(entry.time));
    return m;
}

void History::add(xml::Element message, TimePoint at, std::string_view room) {
    if (capacity_ == 0) return;
    HistoryEntry entry{std::move(message), at, 0};
    entry.chars = characters(xml::to_string(delayed(entry, room)));
    entries_.push_back(std::move(entry));
    while (entries_.size() > capacity_) entries_.pop_front();
}

void History::set_capacity(size_t capacity) {
    capacity_ = capacity;
    while (entries_.size() > capacity_) entries_.pop_front();
}

std::vector<const HistoryEntry*> History::select(const HistoryRequest& request,
                                                 TimePoint now) const {
    std::vector<const HistoryEntry*> out;
    size_t chars = 0;
    // Newest first, stopping at the first limit reached; then in order.
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        if (request.max_stanzas && out.size() >= *request.max_stanzas) break;
        if (request.seconds && it->time < now - *request.seconds) break;
        if (request.since && it->time < *request.since) break;
        if (request.max_chars && chars + it->chars > *request.max_chars) break;
        chars += it->chars;
        out.push_back(&*it);
    }
    return {out.rbegin(), out.rend()};
}

}  // namespace jng::muc
