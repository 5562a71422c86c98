// Config loading: typed getters, bounds, and errors that name file and line.
#include <catch.hpp>

#include "config.hpp"

using jng::config::Document;
using jng::config::Reader;

namespace {
Document parse(const char* text) {
    auto d = Document::parse(text, "test.xml");
    REQUIRE(d);
    return std::move(*d);
}
bool has_error(const Reader& r, const std::string& needle) {
    for (const auto& e : r.errors()) {
        if (e.find(needle) != std::string::npos) return true;
    }
    return false;
}
}  // namespace

TEST_CASE("reads typed values with defaults") {
    auto doc = parse(
        "<c2s>\n"
        "  <id>c2s-1</id>\n"
        "  <local port='5222'>\n"
        "    <ip>127.0.0.1</ip>\n"
        "    <register/>\n"
        "  </local>\n"
        "</c2s>\n");
    Reader r(doc);
    CHECK(r.string("id") == "c2s-1");
    CHECK(r.integer("local@port", 1, 1, 65535) == 5222);
    CHECK(r.string("local/ip") == "127.0.0.1");
    CHECK(r.boolean("local/register", false));
    CHECK(r.string("local/missing", "dflt") == "dflt");
    CHECK(r.integer("local/missing", 7, 0, 10) == 7);
    r.reject_unknown();
    CHECK(r.ok());
}

TEST_CASE("errors carry file and line") {
    auto doc = parse("<r>\n<a>12x</a>\n<b>99</b>\n<c>maybe</c>\n<d>red</d>\n</r>");
    Reader r(doc);
    r.integer("a", 0, 0, 100);
    r.integer("b", 0, 0, 10);
    r.boolean("c", false);
    r.choice("d", "blue", {"blue", "green"});
    CHECK_FALSE(r.ok());
    CHECK(has_error(r, "test.xml:2: 'a' must be an integer"));
    CHECK(has_error(r, "test.xml:3: 'b' must be between 0 and 10"));
    CHECK(has_error(r, "test.xml:4: 'c' must be true or false"));
    CHECK(has_error(r, "test.xml:5: 'd' must be one of blue, green"));
}

TEST_CASE("unknown settings are refused") {
    auto doc = parse("<r>\n<known>1</known>\n<typo>2</typo>\n<known2 attr='x'/>\n</r>");
    Reader r(doc);
    r.string("known");
    r.string("known2");
    r.reject_unknown();
    CHECK(has_error(r, "test.xml:3: unknown setting <typo>"));
    CHECK(has_error(r, "unknown attribute 'attr'"));
}

TEST_CASE("repeated elements and scoped readers") {
    auto doc = parse(
        "<users><component name='a' secret='x'/><component name='b' secret='y'/></users>");
    Reader r(doc);
    auto comps = r.all("component");
    REQUIRE(comps.size() == 2);
    CHECK(r.at(*comps[1]).string("@name") == "b");
    CHECK(r.at(*comps[0]).required_string("@secret") == "x");
    r.at(*comps[1]).string("@secret");
    r.at(*comps[0]).string("@name");
    r.reject_unknown();
    CHECK(r.ok());
}

TEST_CASE("required settings") {
    auto doc = parse("<r><a/></r>");
    Reader r(doc);
    r.required_string("a");
    r.required_string("b");
    CHECK(r.errors().size() == 2);
}

TEST_CASE("malformed files name the line") {
    auto d = Document::parse("<r>\n<a>\n</r>", "bad.xml");
    REQUIRE_FALSE(d);
    CHECK(d.message().rfind("bad.xml:3:", 0) == 0);
    auto dtd = Document::parse("<!DOCTYPE r [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><r>&e;</r>",
                               "x.xml");
    CHECK_FALSE(dtd);
    CHECK_FALSE(Document::load("/nonexistent/file.xml"));
}
