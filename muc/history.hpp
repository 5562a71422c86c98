// Discussion history (XEP-0045 §7.2.15): the last messages of a room, kept
// in memory with the time they were sent, and the selection a newcomer asks
// for with <history maxchars= maxstanzas= seconds= since=/>.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "result.hpp"
#include "xml/element.hpp"

namespace jng::muc {

using SystemClock = std::chrono::system_clock;
using TimePoint = SystemClock::time_point;

// What a newcomer asked for; every limit given applies (§7.2.15: the room
// sends the least history that meets them all).
struct HistoryRequest {
    std::optional<size_t> max_chars;
    std::optional<size_t> max_stanzas;
    std::optional<std::chrono::seconds> seconds;
    std::optional<TimePoint> since;
};

// The <history/> child of a join's <x xmlns='…muc'/> (absent: no limits).
// Malformed attributes are an error naming them.
Result<HistoryRequest> parse_history(const xml::Element* history);

// XEP-0082 date and time: "2002-09-10T23:08:25Z", with optional fractional
// seconds and a numeric time zone.
std::optional<TimePoint> parse_datetime(std::string_view text);
std::string format_datetime(TimePoint at);

struct HistoryEntry {
    xml::Element message;  // as reflected: from the occupant JID, without 'to'
    TimePoint time;
    size_t chars = 0;      // characters of the stanza as sent, <delay/> included
};

class History {
public:
    explicit History(size_t capacity = 20) : capacity_(capacity) {}

    // Keeps `message`, sent at `at`, dropping the oldest beyond capacity.
    // `room` is the room's bare JID, the <delay/>'s 'from'.
    void add(xml::Element message, TimePoint at, std::string_view room);
    void set_capacity(size_t capacity);
    size_t size() const { return entries_.size(); }
    void clear() { entries_.clear(); }

    // The entries to send, oldest first.
    std::vector<const HistoryEntry*> select(const HistoryRequest& request, TimePoint now) const;

    // `entry` as sent to one occupant: the stored message with a XEP-0203
    // <delay from=room stamp=/>.
    static xml::Element delayed(const HistoryEntry& entry, std::string_view room);

private:
    size_t capacity_;
    std::deque<HistoryEntry> entries_;
};

}  // namespace jng::muc
