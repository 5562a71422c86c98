// Test helpers for XML: feeding a StreamReader and collecting its events,
// and reading one element or failing the test.
#pragma once

#include <catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "xml/stream_reader.hpp"

namespace jng::test {

inline const std::string kClientHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>";

// A component stream whose header also binds a prefix of its own (h), for
// elements that lean on it.
inline const std::string kComponentHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
    "xmlns:stream='http://etherx.jabber.org/streams' xmlns:h='urn:header' to='c.example'>";

inline std::vector<xml::StreamEvent> drain(xml::StreamReader& r) {
    std::vector<xml::StreamEvent> out;
    while (auto e = r.next()) out.push_back(std::move(*e));
    return out;
}

inline std::vector<xml::StreamEvent> feed_all(xml::StreamReader& r, const std::string& data) {
    r.feed(data);
    return drain(r);
}

// One standalone element, or the test fails with the reader's reason.
inline xml::Element must_parse(std::string_view text) {
    std::string why;
    auto e = xml::parse_element(text, &why);
    INFO(why);
    REQUIRE(e.has_value());
    return std::move(*e);
}

// The first error's condition, or "" when there is none.
inline std::string error_of(const std::vector<xml::StreamEvent>& evs) {
    for (const auto& e : evs) {
        if (e.kind == xml::StreamEvent::Kind::kError) return e.condition;
    }
    return {};
}

}  // namespace jng::test
