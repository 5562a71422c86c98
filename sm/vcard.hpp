// The vcard module's rules, apart from the module so that they can be tested
// alone: a vCard a user sets turned into the text we store (within the
// configured size), and a stored one read back and checked again.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "result.hpp"
#include "xml/element.hpp"

namespace jng::sm::vcard {

// The <vCard xmlns='vcard-temp'/> of a set, serialized standalone, or an
// error text when it is over `max_bytes`.
Result<std::string> to_stored(const xml::Element& vcard, size_t max_bytes);

// A stored vCard parsed again: exactly one <vCard xmlns='vcard-temp'/>
// element, or an error saying what is wrong with the row.
Result<xml::Element> from_stored(std::string_view xml);

// A vCard with nothing in it: setting one removes the stored vCard.
bool is_empty(const xml::Element& vcard);

}  // namespace jng::sm::vcard
