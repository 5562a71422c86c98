// Writes element trees as XML text with correct escaping and the fewest
// namespace declarations that keep the meaning.
#pragma once

#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace jng::xml {

// How a stanza is written inside a stream. Stanzas live in the tree in the
// canonical namespace jabber:client whatever stream they came from; inside a
// stream they are written in that stream's content namespace (jabber:server,
// jabber:component:accept), and the stream namespace uses the `stream:`
// prefix the stream header declared.
struct StreamContext {
    std::string_view content_ns;
    // A further namespace the stream header declared with a prefix: its
    // elements are written with that prefix instead of an xmlns (XEP-0220
    // §2: dialback elements MUST use the 'db' prefix of the header).
    std::string_view prefixed_ns = {};
    std::string_view prefix = {};
};

// Standalone XML: every namespace declared, usable outside any stream
// (storage, logs, tests).
void serialize(const Element& element, std::string& out);
std::string to_string(const Element& element);

// A top-level element written into a stream opened with `context`.
void serialize(const Element& element, std::string& out, const StreamContext& context);
// The same element written as a child of a top-level element in namespace
// `parent_ns`: what an envelope carries, written without copying it into one.
void serialize(const Element& element, std::string& out, const StreamContext& context,
               std::string_view parent_ns);
std::string to_string(const Element& element, const StreamContext& context);

void append_escaped_text(std::string& out, std::string_view text);
void append_escaped_attr(std::string& out, std::string_view value);

// The opening tag of a stream: <stream:stream xmlns='content_ns'
// xmlns:stream='...' attrs...> (no closing slash, never closed here).
std::string stream_header(std::string_view content_ns, const Element& attributes_from);
inline constexpr std::string_view kStreamClose = "</stream:stream>";
inline constexpr std::string_view kXmlDeclaration = "<?xml version='1.0'?>";

}  // namespace jng::xml
