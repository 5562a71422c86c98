// Stream readers sharing one name dictionary: they parse as readers with
// dictionaries of their own do, one stream's names stay bounded and never
// make another fail, and full dictionaries are let go.
#include <catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "ns.hpp"
#include "xml/shared_names.hpp"
#include "xml/stream_reader.hpp"
#include "xml_reader_util.hpp"

using jng::test::drain;
using jng::test::error_of;
using jng::test::feed_all;
using jng::test::kClientHeader;
using jng::xml::ReaderLimits;
using jng::xml::SharedNames;
using jng::xml::StreamEvent;
using jng::xml::StreamReader;

namespace {

std::unique_ptr<StreamReader> reader(const std::shared_ptr<SharedNames>& names,
                                     ReaderLimits limits = {}) {
    return std::make_unique<StreamReader>(limits, std::string(jng::ns::kClient), names);
}

}  // namespace

TEST_CASE("readers sharing a dictionary parse as readers with their own do") {
    auto names = std::make_shared<SharedNames>();
    auto a = reader(names);
    auto b = reader(names);
    CHECK(names->generations_alive() == 1);
    const std::string header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams' xmlns:x='urn:example:x' "
        "to='example.com' version='1.0'>";
    for (auto* r : {a.get(), b.get()}) {
        auto evs = feed_all(*r, header + "<message to='a@b'><x:y/><body>one</body></message>");
        REQUIRE(evs.size() == 2);
        CHECK(evs[0].default_ns == "jabber:client");
        CHECK(evs[1].element.is("message", jng::ns::kClient));
        CHECK(evs[1].element.child("y", "urn:example:x") != nullptr);
    }
    // Through hibernation and a restart: the new parsers take the same one.
    REQUIRE(a->hibernate());
    auto evs = feed_all(*a, "<iq type='get' id='1' xml:lang='en'><x:q/></iq>");
    REQUIRE(evs.size() == 1);
    CHECK(evs[0].element.attr("xml:lang") == "en");
    CHECK(evs[0].element.child("q", "urn:example:x") != nullptr);
    b->restart();
    evs = feed_all(*b, kClientHeader + "<presence/></stream:stream>");
    REQUIRE(evs.size() == 3);
    CHECK(evs[1].element.is("presence", jng::ns::kClient));
    CHECK(evs[2].kind == StreamEvent::Kind::kClose);
    CHECK(names->generations_alive() == 1);
}

TEST_CASE("a stream's names are bounded in a shared dictionary, and only that stream fails") {
    auto names = std::make_shared<SharedNames>();
    ReaderLimits limits;
    limits.max_names = 200;
    auto quiet = reader(names, limits);
    auto noisy = reader(names, limits);
    feed_all(*quiet, kClientHeader + "<presence/>");
    feed_all(*noisy, kClientHeader);
    std::string err;
    int sent = 0;
    for (; sent < 1000 && err.empty(); ++sent) {
        err = error_of(feed_all(*noisy, "<n" + std::to_string(sent) + "/>"));
    }
    CHECK(err == "policy-violation");
    CHECK(sent <= 202);
    // The names the noisy stream left are known now: using them costs the
    // quiet stream nothing, and it goes on.
    for (int i = 0; i < 150; ++i) {
        auto evs = feed_all(*quiet, "<n" + std::to_string(i) + "/>");
        REQUIRE(evs.size() == 1);
        CHECK(evs[0].kind == StreamEvent::Kind::kElement);
    }
    CHECK(quiet->open());
}

TEST_CASE("names the stream header brings back on waking are not counted again") {
    // The fewest names a parser may add and still take the stream header:
    // then a woken parser, primed with that header, could add no more if
    // the header counted again.
    size_t header_names = 1;
    for (; header_names < 50; ++header_names) {
        StreamReader probe(ReaderLimits{.max_names = header_names}, std::string(jng::ns::kClient));
        if (error_of(feed_all(probe, kClientHeader)).empty()) break;
    }
    REQUIRE(header_names < 50);
    auto names = std::make_shared<SharedNames>();
    for (auto shared : {std::shared_ptr<SharedNames>(), names}) {
        auto r = reader(shared, ReaderLimits{.max_names = header_names});
        REQUIRE(error_of(feed_all(*r, kClientHeader)).empty());
        for (int i = 0; i < 50; ++i) {
            REQUIRE(r->hibernate());
            auto evs = feed_all(*r, "<presence/>");
            REQUIRE(evs.size() == 1);
            REQUIRE(evs[0].kind == StreamEvent::Kind::kElement);
        }
        CHECK(r->open());
    }
}

TEST_CASE("a long name or namespace ends the stream") {
    auto names = std::make_shared<SharedNames>();
    const std::string long_name(2000, 'n');
    const std::vector<std::string> stanzas = {
        "<" + long_name + "/>",
        "<presence " + long_name + "='1'/>",
        "<presence xmlns:" + long_name + "='urn:x'/>",
        "<presence><q xmlns='urn:" + long_name + "'/></presence>",
    };
    for (const auto& stanza : stanzas) {
        for (auto shared : {names, std::shared_ptr<SharedNames>()}) {
            auto r = reader(shared);
            feed_all(*r, kClientHeader);
            CHECK(error_of(feed_all(*r, stanza)) == "policy-violation");
        }
    }
    // Up to the limit is fine.
    auto r = reader(names);
    auto evs = feed_all(
        *r, kClientHeader + "<presence><q xmlns='urn:" + std::string(1000, 'x') + "'/></presence>");
    CHECK(error_of(evs).empty());
    CHECK(evs.size() == 2);
}

TEST_CASE("a full dictionary serves no new parser and goes with its last") {
    // A dictionary is full as soon as a parser interned anything in it, so
    // each new reader retires the one before.
    auto names =
        std::make_shared<SharedNames>(SharedNames::Limits{.rotate_bytes = 1, .max_retired = 1});
    auto first = reader(names);
    auto second = reader(names);
    CHECK(names->generations_alive() == 2);
    // Two full ones are held, over max_retired: no dictionary to share, and
    // the next reader keeps its own and works as well.
    CHECK(names->acquire() == nullptr);
    auto third = reader(names);
    CHECK(names->generations_alive() == 2);
    auto evs = feed_all(*third, kClientHeader + "<presence/>");
    CHECK(evs.size() == 2);
    CHECK(error_of(evs).empty());
    // When the parsers holding them are gone, sharing resumes.
    first.reset();
    second.reset();
    CHECK(names->generations_alive() == 0);
    auto fourth = reader(names);
    CHECK(names->generations_alive() == 1);
    evs = feed_all(*fourth, kClientHeader + "<presence/>");
    CHECK(evs.size() == 2);
}
