// The last module's rules, apart from the module so that they can be tested
// alone: the status kept from an unavailable presence, and the answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace jng::sm::last {

// The longest status text kept, in bytes.
constexpr size_t kMaxStatusBytes = 1024;

// The text of the first <status/> of `presence` (XEP-0012 §3: "the status
// message of the last unavailable presence"), cut to kMaxStatusBytes at a
// character boundary; empty when it has none.
std::string status_of(const xml::Element& presence);

// Whole seconds from `then` to `now` (unix seconds), never negative: a
// clock set back must not produce a time in the future.
int64_t seconds_between(int64_t then, int64_t now);

// <query xmlns='jabber:iq:last' seconds='…'>status</query>
xml::Element answer(int64_t seconds, std::string_view status = {});

}  // namespace jng::sm::last
