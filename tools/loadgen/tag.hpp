// The marker a measured stanza carries in its body or status: which run,
// which sender, which sequence number, and when it was sent, so that the
// receiver can measure latency and account for every stanza by id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jng::loadgen {

struct Tag {
    uint64_t run = 0;     // stanzas of another run (offline leftovers) are told apart
    uint64_t sender = 0;  // the sender's slot
    uint64_t seq = 0;     // per sender, from 0
    uint64_t sent_us = 0; // now_us() at sending (or the scheduled time, at a fixed rate)
};

// "lg RUN SENDER SEQ SENT_US", then `padding` bytes of filler: letters,
// digits and spaces, which XML text carries without escaping.
std::string format_tag(const Tag& tag, size_t padding = 0);
void append_tag(std::string& out, const Tag& tag, size_t padding = 0);
std::optional<Tag> parse_tag(std::string_view text);

}  // namespace jng::loadgen
