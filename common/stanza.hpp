// Stanza basics shared by every daemon: what kind a stanza is, the RFC 6120
// error conditions in one table, error replies and bounces, stream errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace jng::stanza {

enum class Kind { kMessage, kPresence, kIq, kOther };
Kind kind_of(const xml::Element& e);
bool is_stanza(const xml::Element& e);  // message, presence or iq in jabber:client

// RFC 6120 §8.3.2 error types.
enum class ErrorType { kAuth, kCancel, kContinue, kModify, kWait };
std::string_view type_name(ErrorType t);

// RFC 6120 §8.3.3: the defined conditions, each with the type the RFC's
// examples use. nullopt for a name that is not a condition.
std::optional<ErrorType> default_type(std::string_view condition);

// A stanza should not be answered with an error when it is an error itself
// or an iq result (RFC 6120 §8.3.1): that is how bounce loops start.
bool can_bounce(const xml::Element& stanza);

// The error reply to `stanza` (RFC 6120 §8.3.1): from and to swapped,
// type='error', the original children kept and an
// <error/> added with `condition` and optional text.
xml::Element error_reply(const xml::Element& stanza, std::string_view condition,
                         std::string_view text = {},
                         std::optional<ErrorType> type = std::nullopt);

// The error condition an error stanza carries ("" when none).
std::string error_condition(const xml::Element& stanza);

// <iq type='result'/> answering `iq`.
xml::Element iq_result(const xml::Element& iq);

// RFC 6120 §8.2.3: what makes `iq` malformed - a type other than get, set,
// result and error, no id, a get or set without exactly one payload - as a
// text for the bad-request error; empty when it is well-formed.
std::string_view iq_problem(const xml::Element& iq);

// <stream:error><condition/><text/></stream:error> (RFC 6120 §4.9).
xml::Element stream_error(std::string_view condition, std::string_view text = {});

}  // namespace jng::stanza
