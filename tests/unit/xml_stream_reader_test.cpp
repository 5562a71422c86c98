// StreamReader: stanza boundaries regardless of how bytes are split, stream
// restarts, the RFC 6120 §11 restrictions and the limits.
#include <catch.hpp>

#include <string>
#include <vector>

#include "ns.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"
#include "xml_reader_util.hpp"

using jng::xml::ReaderLimits;
using jng::xml::StreamEvent;
using jng::xml::StreamReader;

using jng::test::drain;
using jng::test::error_of;
using jng::test::feed_all;

namespace {
const std::string& kHeader = jng::test::kClientHeader;
}  // namespace

TEST_CASE("stream open, stanzas, close") {
    StreamReader r({}, std::string(jng::ns::kClient));
    auto evs = feed_all(r, kHeader +
                               "<message to='a@b'><body>one</body></message>"
                               "<presence/>"
                               "</stream:stream>");
    REQUIRE(evs.size() == 4);
    CHECK(evs[0].kind == StreamEvent::Kind::kOpen);
    CHECK(evs[0].element.name() == "stream");
    CHECK(evs[0].element.ns() == jng::ns::kStream);
    CHECK(evs[0].default_ns == "jabber:client");
    CHECK(evs[0].element.attr("to") == "example.com");
    CHECK(evs[1].kind == StreamEvent::Kind::kElement);
    CHECK(evs[1].element.is("message", jng::ns::kClient));
    CHECK(evs[1].element.child_text("body") == "one");
    CHECK(evs[2].element.name() == "presence");
    CHECK(evs[3].kind == StreamEvent::Kind::kClose);
    CHECK(r.closed());
}

TEST_CASE("every split point yields the same stanzas") {
    const std::string body =
        "<message to='a@b' type='chat'><body>caf\xc3\xa9 &amp; &lt;tea&gt;</body>"
        "<x xmlns='urn:x' a='&apos;q&apos;'><![CDATA[raw <data>]]></x></message>"
        " \n <iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>";
    const std::string all = kHeader + body;
    StreamReader whole({}, std::string(jng::ns::kClient));
    auto expected = feed_all(whole, all);
    REQUIRE(expected.size() == 3);
    CHECK(expected[1].element.child_text("body") == "caf\xc3\xa9 & <tea>");
    CHECK(expected[1].element.child("x")->attr("a") == "'q'");
    CHECK(expected[1].element.child("x")->text() == "raw <data>");

    for (size_t split = 1; split < all.size(); ++split) {
        StreamReader r({}, std::string(jng::ns::kClient));
        r.feed(std::string_view(all).substr(0, split));
        auto evs = drain(r);
        r.feed(std::string_view(all).substr(split));
        auto rest = drain(r);
        evs.insert(evs.end(), std::make_move_iterator(rest.begin()),
                   std::make_move_iterator(rest.end()));
        INFO("split at " << split);
        REQUIRE(evs.size() == expected.size());
        for (size_t i = 0; i < evs.size(); ++i) {
            CHECK(evs[i].kind == expected[i].kind);
            CHECK(evs[i].element == expected[i].element);
        }
    }
}

TEST_CASE("byte-at-a-time feeding") {
    const std::string all = kHeader + "<message><body>x</body></message><presence type='probe'/>";
    StreamReader r({}, std::string(jng::ns::kClient));
    std::vector<StreamEvent> evs;
    for (char c : all) {
        r.feed(std::string_view(&c, 1));
        auto more = drain(r);
        for (auto& e : more) evs.push_back(std::move(e));
    }
    REQUIRE(evs.size() == 3);
    CHECK(evs[2].element.attr("type") == "probe");
}

TEST_CASE("children and text keep their order at every depth") {
    StreamReader r({}, std::string(jng::ns::kClient));
    auto evs = feed_all(r, kHeader +
                               "<message><p>a<b>x<i>y</i>z</b>c<![CDATA[d]]><e/>f</p>"
                               "<q/>g</message>");
    REQUIRE(evs.size() == 2);
    const auto& m = evs[1].element;
    REQUIRE(m.children().size() == 3);
    CHECK(m.children()[2].text() == "g");
    const auto& p = m.children()[0].element();
    REQUIRE(p.children().size() == 5);
    CHECK(p.children()[0].text() == "a");
    CHECK(p.children()[2].text() == "cd");  // adjacent runs, text and CDATA, are one
    CHECK(p.children()[3].element().name() == "e");
    CHECK(p.children()[4].text() == "f");
    const auto& b = p.children()[1].element();
    REQUIRE(b.children().size() == 3);
    CHECK(b.children()[0].text() == "x");
    CHECK(b.children()[1].element().text() == "y");
    CHECK(b.children()[2].text() == "z");
    CHECK(m.children()[1].element().empty());
}

TEST_CASE("events come out in order however taking and feeding interleave") {
    StreamReader r({}, std::string(jng::ns::kClient));
    std::string burst;
    for (int i = 0; i < 300; ++i) burst += "<iq id='" + std::to_string(i) + "'/>";
    r.feed(kHeader + burst);
    REQUIRE(r.next()->kind == StreamEvent::Kind::kOpen);
    int expected = 0;
    for (int i = 0; i < 100; ++i) CHECK(r.next()->element.attr("id") == std::to_string(expected++));
    // More arrives while 200 still wait.
    r.feed("<iq id='300'/><iq id='301'/>");
    while (auto ev = r.next()) CHECK(ev->element.attr("id") == std::to_string(expected++));
    CHECK(expected == 302);
    r.feed("<iq id='302'/>");
    CHECK(r.next()->element.attr("id") == "302");
    CHECK_FALSE(r.next());
}

TEST_CASE("content namespace maps to the canonical one") {
    StreamReader r({}, std::string(jng::ns::kServer));
    auto evs = feed_all(r,
                        "<stream:stream xmlns='jabber:server' "
                        "xmlns:stream='http://etherx.jabber.org/streams'>"
                        "<message><body>x</body></message>");
    REQUIRE(evs.size() == 2);
    CHECK(evs[1].element.ns() == jng::ns::kClient);
    CHECK(evs[1].element.child("body")->ns() == jng::ns::kClient);
    CHECK(jng::xml::to_string(evs[1].element, {jng::ns::kServer}) ==
          "<message><body>x</body></message>");
}

TEST_CASE("restart begins a new stream and drops what followed") {
    StreamReader r({}, std::string(jng::ns::kClient));
    auto evs = feed_all(r, kHeader + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                                     "<message><body>injected</body></message>");
    REQUIRE(evs.size() == 3);  // open, starttls, and the injected message is queued...
    StreamReader r2({}, std::string(jng::ns::kClient));
    r2.feed(kHeader + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                      "<message><body>injected</body></message>");
    auto open = r2.next();
    auto starttls = r2.next();
    REQUIRE(starttls);
    CHECK(starttls->element.name() == "starttls");
    r2.restart();  // ...but a consumer that restarts on <starttls/> never sees it
    CHECK_FALSE(r2.next());
    auto again = feed_all(r2, kHeader + "<iq type='get' id='2'/>");
    REQUIRE(again.size() == 2);
    CHECK(again[0].kind == StreamEvent::Kind::kOpen);
    CHECK(again[1].element.name() == "iq");
}

TEST_CASE("restricted XML is refused") {
    auto check = [](const std::string& data, const std::string& condition) {
        StreamReader r({}, std::string(jng::ns::kClient));
        auto evs = feed_all(r, data);
        INFO(data);
        CHECK(error_of(evs) == condition);
        CHECK(r.failed());
    };
    check("<?xml version='1.0'?><!DOCTYPE stream [<!ENTITY x 'y'>]><stream:stream/>",
          "restricted-xml");
    check(kHeader + "<!-- comment -->", "restricted-xml");
    check(kHeader + "<?pi data?>", "restricted-xml");
    check(kHeader + "<message><body>&xxe;</body></message>", "restricted-xml");
    check(kHeader + "<message><body>&#0;</body></message>", "not-well-formed");
    check(kHeader + "<message></presence>", "not-well-formed");
    check(kHeader + "<a b='1' b='2'/>", "not-well-formed");
    check(kHeader + "text at the top<presence/>", "bad-format");
}

TEST_CASE("billion laughs never expands") {
    const std::string lol =
        "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
        "<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>]>"
        "<lolz>&lol2;</lolz>";
    StreamReader r;
    auto evs = feed_all(r, lol);
    CHECK(error_of(evs) == "restricted-xml");
    for (const auto& e : evs) CHECK(e.kind != StreamEvent::Kind::kElement);
}

TEST_CASE("stanza size limit") {
    ReaderLimits limits;
    limits.max_stanza_bytes = 1000;
    StreamReader r(limits, std::string(jng::ns::kClient));
    auto ok = feed_all(r, kHeader + "<message><body>" + std::string(800, 'a') + "</body></message>");
    REQUIRE(ok.size() == 2);
    // Many stanzas under the limit are fine however long the stream lives.
    for (int i = 0; i < 50; ++i) {
        auto more = feed_all(r, "<message><body>" + std::string(800, 'b') + "</body></message>");
        REQUIRE(more.size() == 1);
    }
    auto big = feed_all(r, "<message><body>" + std::string(2000, 'c') + "</body></message>");
    CHECK(error_of(big) == "policy-violation");
}

TEST_CASE("an unterminated start tag hits the size limit") {
    ReaderLimits limits;
    limits.max_stanza_bytes = 1000;
    StreamReader r(limits, std::string(jng::ns::kClient));
    feed_all(r, kHeader);
    std::vector<StreamEvent> evs;
    for (int i = 0; i < 20 && evs.empty(); ++i) {
        r.feed(i == 0 ? "<message to='" : std::string(100, 'x'));
        evs = drain(r);
    }
    CHECK(error_of(evs) == "policy-violation");
}

TEST_CASE("whitespace keepalives never count against the limit") {
    ReaderLimits limits;
    limits.max_stanza_bytes = 100;
    StreamReader r(limits, std::string(jng::ns::kClient));
    feed_all(r, kHeader);
    for (int i = 0; i < 1000; ++i) CHECK(feed_all(r, " ").empty());
    auto evs = feed_all(r, "<presence/>");
    REQUIRE(evs.size() == 1);
    CHECK(evs[0].kind == StreamEvent::Kind::kElement);
}

TEST_CASE("depth limit") {
    ReaderLimits limits;
    limits.max_depth = 5;
    StreamReader r(limits, std::string(jng::ns::kClient));
    std::string deep = kHeader;
    for (int i = 0; i < 10; ++i) deep += "<a>";
    CHECK(error_of(feed_all(r, deep)) == "policy-violation");

    StreamReader ok(limits, std::string(jng::ns::kClient));
    auto evs = feed_all(ok, kHeader + "<a><b><c><d><e/></d></c></b></a>");
    CHECK(error_of(evs).empty());
    CHECK(evs.size() == 2);
}

TEST_CASE("attribute count limit") {
    ReaderLimits limits;
    limits.max_attributes = 3;
    StreamReader r(limits, std::string(jng::ns::kClient));
    CHECK(error_of(feed_all(r, kHeader + "<a w='1' x='1' y='1' z='1'/>")) == "policy-violation");
}

TEST_CASE("distinct names are bounded per stream") {
    ReaderLimits limits;
    limits.max_names = 200;
    StreamReader r(limits, std::string(jng::ns::kClient));
    feed_all(r, kHeader);
    std::string err;
    for (int i = 0; i < 1000 && err.empty(); ++i) {
        err = error_of(feed_all(r, "<n" + std::to_string(i) + "/>"));
    }
    CHECK(err == "policy-violation");
}

TEST_CASE("declared encodings other than UTF-8 are ignored") {
    StreamReader r({}, std::string(jng::ns::kClient));
    auto evs = feed_all(r,
                        "<?xml version='1.0' encoding='ISO-8859-1'?><stream:stream "
                        "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
                        "<message><body>caf\xc3\xa9</body></message>");
    REQUIRE(evs.size() == 2);
    CHECK(evs[1].element.child_text("body") == "caf\xc3\xa9");
}

TEST_CASE("invalid UTF-8 is unsupported-encoding") {
    // RFC 6120 §4.9.3.22, §11.6.
    const std::vector<std::string> invalid = {
        "\xff\xfe", "caf\xe9", "\xc0\xaf" /* overlong '/' */, "\xed\xa0\x80" /* a surrogate */,
        "\xf4\x90\x80\x80" /* past U+10FFFF */, "\xc3(", std::string("a\0b", 3)};
    for (const std::string& bad : invalid) {
        StreamReader r({}, std::string(jng::ns::kClient));
        auto evs = feed_all(r, kHeader + "<message/><message><body>" + bad + "</body></message>");
        CHECK(error_of(evs) == "unsupported-encoding");
        // What came before the bad byte was still read.
        REQUIRE(evs.size() == 3);
        CHECK(evs[1].element.name() == "message");
    }
}

TEST_CASE("UTF-8 is judged the same wherever in a long run of ASCII it sits") {
    // The check takes ASCII eight bytes at a time: a sequence at every
    // offset from those eight-byte steps, good or bad, gets the same answer.
    const std::vector<std::string> good = {"\xc3\xa9", "\xe2\x98\xba", "\xf0\x9f\x98\x80",
                                           "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf"};
    const std::vector<std::string> bad = {"\xe9", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                          std::string(1, '\0'), "\x80", "\xc3("};
    for (size_t offset = 0; offset < 24; ++offset) {
        const std::string before(offset, 'x');
        const std::string after(17, 'y');
        for (const std::string& seq : good) {
            StreamReader r({}, std::string(jng::ns::kClient));
            auto evs = feed_all(r, kHeader + "<message><body>" + before + seq + after +
                                       "</body></message>");
            REQUIRE(evs.size() == 2);
            CHECK(evs[1].element.child_text("body") == before + seq + after);
        }
        for (const std::string& seq : bad) {
            StreamReader r({}, std::string(jng::ns::kClient));
            auto evs = feed_all(r, kHeader + "<message/><message><body>" + before + seq + after +
                                       "</body></message>");
            CHECK(error_of(evs) == "unsupported-encoding");
            REQUIRE(evs.size() == 3);
            CHECK(evs[1].element.name() == "message");
        }
    }
}

TEST_CASE("UTF-16 is refused, with or without a byte order mark") {
    std::u16string header = u"<?xml version='1.0'?><stream:stream xmlns='jabber:client'>";
    std::string le, be;
    for (const char16_t c : header) {
        le += static_cast<char>(c & 0xff);
        le += static_cast<char>(c >> 8);
        be += static_cast<char>(c >> 8);
        be += static_cast<char>(c & 0xff);
    }
    for (const std::string& bytes : {"\xff\xfe" + le, "\xfe\xff" + be, le, be}) {
        StreamReader r({}, std::string(jng::ns::kClient));
        auto evs = feed_all(r, bytes);
        REQUIRE(evs.size() == 1);
        CHECK(evs[0].condition == "unsupported-encoding");
    }
}

TEST_CASE("UTF-8 sequences split across reads are fine") {
    StreamReader r({}, std::string(jng::ns::kClient));
    CHECK(feed_all(r, kHeader).size() == 1);
    const std::string stanza = "<message><body>caf\xc3\xa9 \xe2\x98\xba \xf0\x9f\x98\x80</body></message>";
    std::vector<StreamEvent> evs;
    for (const char c : stanza) {
        for (auto& e : feed_all(r, std::string(1, c))) evs.push_back(std::move(e));
    }
    REQUIRE(evs.size() == 1);
    CHECK(evs[0].element.child_text("body") == "caf\xc3\xa9 \xe2\x98\xba \xf0\x9f\x98\x80");
    // The check starts over with a new stream.
    r.feed("<message><body>\xc3");
    r.restart();
    CHECK(error_of(feed_all(r, kHeader + "<presence/>")).empty());
}

TEST_CASE("nothing is parsed after an error") {
    StreamReader r({}, std::string(jng::ns::kClient));
    auto evs = feed_all(r, kHeader + "<a></b>");
    CHECK(error_of(evs) == "not-well-formed");
    CHECK(feed_all(r, "<presence/>").empty());
}

TEST_CASE("a hibernating parser wakes with the stream's namespaces") {
    // A prefix declared on the stream header must still mean the same after
    // the parser was freed and a new one primed with that header.
    const std::string header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams' xmlns:x='urn:example:x' "
        "to='example.com' version='1.0'>";
    StreamReader r({}, std::string(jng::ns::kClient));
    // The header and a first stanza in one read: only the header is kept.
    auto evs = feed_all(r, header + "<presence/>");
    REQUIRE(evs.size() == 2);
    CHECK(evs[0].kind == StreamEvent::Kind::kOpen);

    REQUIRE(r.hibernate());
    CHECK(r.hibernating());
    r.feed(" \n ");  // a keepalive leaves it asleep
    CHECK(r.hibernating());
    CHECK(drain(r).empty());

    evs = feed_all(r, "<message to='a@b'><x:y/><body>two</body></message>");
    CHECK_FALSE(r.hibernating());
    REQUIRE(evs.size() == 1);  // no second stream open
    CHECK(evs[0].kind == StreamEvent::Kind::kElement);
    CHECK(evs[0].element.is("message", jng::ns::kClient));
    CHECK(evs[0].element.child("y", "urn:example:x") != nullptr);
    CHECK(evs[0].element.child_text("body") == "two");

    // Again, and this time the stream ends.
    REQUIRE(r.hibernate());
    evs = feed_all(r, "<iq type='get' id='1'/></stream:stream>");
    REQUIRE(evs.size() == 2);
    CHECK(evs[0].element.name() == "iq");
    CHECK(evs[1].kind == StreamEvent::Kind::kClose);
}

TEST_CASE("a parser does not hibernate inside a stanza or before the header") {
    StreamReader r({}, std::string(jng::ns::kClient));
    CHECK_FALSE(r.hibernate());  // no stream yet
    r.feed(kHeader.substr(0, 20));
    CHECK_FALSE(r.hibernate());
    r.feed(kHeader.substr(20) + "<message><bo");
    CHECK_FALSE(r.hibernate());  // half a stanza
    auto evs = feed_all(r, "dy>x</body></message>");
    REQUIRE(evs.size() == 2);
    CHECK(evs[1].element.child_text("body") == "x");
    CHECK(r.hibernate());
}

TEST_CASE("only a quiet stream hibernates in a sweep") {
    StreamReader r({}, std::string(jng::ns::kClient));
    feed_all(r, kHeader);
    CHECK_FALSE(r.hibernate_if_quiet());  // fed since the last sweep
    CHECK(r.hibernate_if_quiet());
    feed_all(r, "<presence/>");
    CHECK_FALSE(r.hibernate_if_quiet());
    CHECK(r.hibernate_if_quiet());
}

TEST_CASE("limits and errors hold after waking") {
    ReaderLimits limits;
    limits.max_stanza_bytes = 200;
    StreamReader r(limits, std::string(jng::ns::kClient));
    feed_all(r, kHeader);
    REQUIRE(r.hibernate());
    auto evs = feed_all(r, "<message><body>" + std::string(300, 'a') + "</body></message>");
    CHECK(error_of(evs) == "policy-violation");

    StreamReader bad({}, std::string(jng::ns::kClient));
    feed_all(bad, kHeader);
    REQUIRE(bad.hibernate());
    evs = feed_all(bad, "<!-- no -->");
    CHECK(error_of(evs) == "restricted-xml");
    CHECK_FALSE(bad.hibernate());
}

TEST_CASE("keepalives do not keep a stream from hibernating") {
    StreamReader r({}, std::string(jng::ns::kClient));
    feed_all(r, kHeader);
    r.hibernate_if_quiet();
    r.feed(" ");
    CHECK(r.hibernate_if_quiet());
}

TEST_CASE("a stanza followed by a newline still leaves the stream between stanzas") {
    StreamReader r({}, std::string(jng::ns::kClient));
    feed_all(r, kHeader);
    auto evs = feed_all(r, "<presence/>\n");
    REQUIRE(evs.size() == 1);
    REQUIRE(r.hibernate());
    evs = feed_all(r, "<message><body>after</body></message>\r\n");
    REQUIRE(evs.size() == 1);
    CHECK(evs[0].element.child_text("body") == "after");
    CHECK(r.hibernate());
    // Not when the whitespace is inside a stanza under way.
    feed_all(r, "<message>\n");
    CHECK_FALSE(r.hibernate());
}
