// The vacation module's payload and rules, apart from the module so that
// they can be tested alone: the <query/> of jabberd2's vacation namespace
// (XEP-0109 as it stood in 2003) read into settings and written back, and
// when an automatic reply is due.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "result.hpp"
#include "types.hpp"
#include "xml/element.hpp"

namespace jng::sm::vacation {

constexpr std::string_view kNamespace = "http://jabber.org/protocol/vacation";

// The longest message a user may set, in bytes.
constexpr size_t kMaxMessageBytes = 4096;

// Whether the period of `v` covers `now` (unix seconds): from `start` (0:
// from the beginning) until before `end` (0: no end).
bool active(const storage::Vacation& v, int64_t now);

// What an iq set of `query` asks for: settings to store, or nullopt to
// remove them (a <query/> without children, as jabberd2 had it). An error
// (its text for bad-request) when a time is not an XEP-0082 DateTime, the
// period ends before it starts, or the message is missing, empty or too long.
Result<std::optional<storage::Vacation>> read_request(const xml::Element& query);

// The <query/> answering a get: start, end and message, with an empty
// <start/> or <end/> for an open side; an empty <query/> when there are no
// settings.
xml::Element to_query(const std::optional<storage::Vacation>& settings);

}  // namespace jng::sm::vacation
