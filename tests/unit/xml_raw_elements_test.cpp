// StreamReader::keep_raw_elements(): each top-level element's bytes as
// received, whatever the reads, and none for an element that leans on a
// prefix of the stream header.
#include <catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "ns.hpp"
#include "xml/stream_reader.hpp"
#include "xml_reader_util.hpp"

using jng::xml::StreamEvent;
using jng::xml::StreamReader;

using jng::test::drain;
using jng::test::feed_all;

using jng::test::kComponentHeader;

namespace {
const std::vector<std::string> kElements = {
    "<message to='a@b' type='chat'><body>caf\xc3\xa9 &amp; &lt;tea&gt; &#x263A;</body></message>",
    "<route xmlns='http://jabberd.jabberstudio.org/ns/component/1.0' to='sm' from='c2s'\n"
    "  user='a@b'><presence xml:lang='en'><x xmlns:p='urn:p' p:a=\"1\"><p:y/></x></presence>"
    "</route>",
    "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>",
    "<presence/>",
    "<message><x><![CDATA[<not a tag>]]></x></message>",
};

// A reader of a component stream, in one of the modes that keep bytes.
std::unique_ptr<StreamReader> reader_in(void (StreamReader::*mode)()) {
    auto r = std::make_unique<StreamReader>(jng::xml::ReaderLimits{},
                                            std::string(jng::ns::kComponentAccept));
    ((*r).*mode)();
    return r;
}

std::unique_ptr<StreamReader> raw_reader() {
    return reader_in(&StreamReader::keep_raw_elements);
}

// The stream: header, then the elements with whitespace of every kind between.
std::string stream_of(const std::vector<std::string>& elements) {
    std::string all = kComponentHeader;
    for (const std::string& e : elements) all += e + " \r\n\t";
    return all;
}

std::vector<std::string> raws(const std::vector<StreamEvent>& evs) {
    std::vector<std::string> out;
    for (const StreamEvent& e : evs) {
        if (e.kind == StreamEvent::Kind::kElement) out.push_back(e.raw);
        if (e.kind == StreamEvent::Kind::kError) out.push_back("error: " + e.condition);
    }
    return out;
}
}  // namespace

TEST_CASE("raw elements are the bytes as received, however they are split") {
    const std::string all = stream_of(kElements);
    const auto whole_ptr = raw_reader();
    StreamReader& whole = *whole_ptr;
    CHECK(raws(feed_all(whole, all)) == kElements);

    for (size_t split = 1; split < all.size(); ++split) {
        const auto r_ptr = raw_reader();
        StreamReader& r = *r_ptr;
        r.feed(std::string_view(all).substr(0, split));
        r.feed(std::string_view(all).substr(split));
        INFO("split at " << split);
        CHECK(raws(drain(r)) == kElements);
    }

    const auto bytewise_ptr = raw_reader();
    StreamReader& bytewise = *bytewise_ptr;
    std::vector<StreamEvent> evs;
    for (char c : all) {
        bytewise.feed(std::string_view(&c, 1));
        for (auto& e : drain(bytewise)) evs.push_back(std::move(e));
    }
    CHECK(raws(evs) == kElements);
}

TEST_CASE("raw bytes parse to the element they came with") {
    const auto r_ptr = raw_reader();
    StreamReader& r = *r_ptr;
    for (const StreamEvent& e : feed_all(r, stream_of(kElements))) {
        if (e.kind != StreamEvent::Kind::kElement) continue;
        // Alone, the bytes take the namespace the stream gave them.
        const auto again_ptr = raw_reader();
        StreamReader& again = *again_ptr;
        const auto evs = feed_all(again, kComponentHeader + e.raw);
        REQUIRE(evs.size() == 2);
        CHECK(evs[1].element == e.element);
    }
}

TEST_CASE("an element using a prefix of the stream header has no raw bytes") {
    const std::vector<std::string> leaning = {
        "<h:message/>",
        "<message h:a='1'/>",
        "<message><stream:error/></message>",
        // Declared inside, but out of scope again where it is used.
        "<message><x xmlns:h='urn:inner'/><h:y/></message>",
    };
    for (const std::string& e : leaning) {
        const auto r_ptr = raw_reader();
        StreamReader& r = *r_ptr;
        const auto evs = feed_all(r, kComponentHeader + e + "<presence/>");
        INFO(e);
        REQUIRE(evs.size() == 3);
        CHECK(evs[1].kind == StreamEvent::Kind::kElement);
        CHECK(evs[1].raw.empty());
        // The element after it is judged afresh.
        CHECK(evs[2].raw == "<presence/>");
    }
    const auto r_ptr = raw_reader();
    StreamReader& r = *r_ptr;
    const std::string own = "<message><h:x xmlns:h='urn:own' h:a='1' xml:lang='en'/></message>";
    CHECK(raws(feed_all(r, kComponentHeader + own)) == std::vector<std::string>{own});
}

TEST_CASE("raw bytes only when asked for, and right after waking and large stanzas") {
    StreamReader plain({}, std::string(jng::ns::kComponentAccept));
    CHECK(raws(feed_all(plain, stream_of(kElements))) == std::vector<std::string>(5));

    const auto r_ptr = raw_reader();
    StreamReader& r = *r_ptr;
    CHECK(raws(feed_all(r, kComponentHeader + kElements[0])) == std::vector<std::string>{kElements[0]});
    REQUIRE(r.hibernate());
    CHECK(raws(feed_all(r, "\n" + kElements[1])) == std::vector<std::string>{kElements[1]});

    const std::string large =
        "<message><body>" + std::string(200 * 1024, 'x') + "</body></message>";
    CHECK(raws(feed_all(r, large + kElements[3])) == std::vector<std::string>{large, kElements[3]});
    CHECK(r.pending_bytes() == 0);
}

namespace {
std::unique_ptr<StreamReader> heads_reader() {
    return reader_in(&StreamReader::read_heads_only);
}
}  // namespace

TEST_CASE("heads only: attributes and own text, the rest in the bytes") {
    const auto full_ptr = raw_reader();
    const auto full = feed_all(*full_ptr, stream_of(kElements));
    const auto heads_ptr = heads_reader();
    StreamReader& heads = *heads_ptr;
    const auto evs = feed_all(heads, stream_of(kElements));
    CHECK(raws(evs) == kElements);
    REQUIRE(evs.size() == full.size());
    for (size_t i = 0; i < evs.size(); ++i) {
        if (evs[i].kind != StreamEvent::Kind::kElement) continue;
        const jng::xml::Element& head = evs[i].element;
        INFO(evs[i].raw);
        jng::xml::Element without_children = full[i].element;
        without_children.clear_children();
        CHECK(head == without_children);
        // Read again, the bytes are the element the full reader gave.
        CHECK(heads.read_whole(evs[i].raw) == full[i].element);
    }

    // A handshake's digest is the element's own text.
    const auto h_ptr = heads_reader();
    const auto hs = feed_all(*h_ptr, kComponentHeader +
                                         "<handshake>a1b2</handshake>"
                                         "<x>t<y>not kept</y>&amp;u</x>");
    REQUIRE(hs.size() == 3);
    CHECK(hs[1].element.text() == "a1b2");
    CHECK(hs[2].element.text() == "t&u");
    CHECK(hs[2].element.first_element() == nullptr);
    CHECK_FALSE(hs[1].partial);
    CHECK(hs[2].partial);
}

TEST_CASE("heads only: an element leaning on the header comes whole, and limits hold below") {
    const auto r_ptr = heads_reader();
    StreamReader& r = *r_ptr;
    const auto evs =
        feed_all(r, kComponentHeader + "<message><h:x><y/></h:x></message><presence/>");
    REQUIRE(evs.size() == 3);
    CHECK(evs[1].raw.empty());
    REQUIRE(evs[1].element.first_element() != nullptr);
    CHECK(evs[1].element.first_element()->ns() == "urn:header");
    CHECK(evs[1].element.first_element()->first_element() != nullptr);
    CHECK(evs[2].raw == "<presence/>");

    // Children not built are still checked.
    std::string deep = "<message>";
    for (int i = 0; i < 40; ++i) deep += "<x>";
    const auto d_ptr = heads_reader();
    CHECK(jng::test::error_of(feed_all(*d_ptr, kComponentHeader + deep)) == "policy-violation");
    std::string many = "<message><x";
    for (int i = 0; i < 70; ++i) many += " a" + std::to_string(i) + "='1'";
    const auto m_ptr = heads_reader();
    CHECK(jng::test::error_of(feed_all(*m_ptr, kComponentHeader + many + "/></message>")) ==
          "policy-violation");
    const auto b_ptr = heads_reader();
    CHECK(jng::test::error_of(feed_all(*b_ptr, kComponentHeader + "<message><x><!-- c --></x>")) ==
          "restricted-xml");
}

namespace {
std::unique_ptr<StreamReader> child_heads_reader() {
    return reader_in(&StreamReader::read_child_heads);
}

const std::string kPayload =
    "<message xmlns='jabber:client' from='a@b/r' to='c@d' type='chat'>"
    "<body>hi &amp; bye</body><x xmlns='urn:x'><y a='1'/></x></message>";
const std::string kEnvelope =
    "<route xmlns='http://jabberd.jabberstudio.org/ns/component/1.0' to='c2s' from='sm'>" +
    kPayload + "</route>";

std::vector<std::string> child_raws(const StreamEvent& e) {
    std::vector<std::string> out;
    for (size_t i = 0; i < e.child_spans.size(); ++i) out.emplace_back(e.child_raw(i));
    return out;
}
}  // namespace

TEST_CASE("child heads: the payload's head, and its bytes however they are split") {
    const std::string all = kComponentHeader + " " + kEnvelope + "\n" + kEnvelope;
    const auto full_ptr = raw_reader();
    const auto full = feed_all(*full_ptr, all);
    REQUIRE(full.size() == 3);
    for (size_t split = 1; split < all.size(); ++split) {
        const auto r_ptr = child_heads_reader();
        StreamReader& r = *r_ptr;
        r.feed(std::string_view(all).substr(0, split));
        r.feed(std::string_view(all).substr(split));
        const auto evs = drain(r);
        INFO("split at " << split);
        REQUIRE(evs.size() == 3);
        for (size_t i = 1; i < 3; ++i) {
            CHECK(evs[i].raw == kEnvelope);
            CHECK(child_raws(evs[i]) == std::vector<std::string>{kPayload});
            CHECK(evs[i].partial);
            // The envelope with the payload's head: attributes, no children.
            jng::xml::Element expected = full[i].element;
            expected.first_element()->clear_children();
            CHECK(evs[i].element == expected);
            CHECK(r.read_whole(evs[i].raw) == full[i].element);
        }
    }
}

TEST_CASE("child heads: bytes only for a child that stands on its own") {
    const std::string route = "<route xmlns='urn:r' xmlns:p='urn:p'>";
    const std::string own_prefix = "<q:m xmlns='urn:m' xmlns:q='urn:q' q:a='1'><q:z/></q:m>";
    const std::string alone = "<m xmlns='jabber:client'><n xmlns:p='urn:inner' p:a='2'/></m>";
    const std::vector<std::string> children = {
        "<m/>",                                        // its namespace is the route's
        "<m xmlns='jabber:client'><p:x/></m>",         // a prefix of the route
        "<m xmlns='jabber:client' p:a='1'/>",          // the same, on an attribute
        "<m xmlns='jabber:component:accept'/>",        // the stream's, read as jabber:client
        "<m xmlns='jabber:client'><x xmlns=''/></m>",  // fine: undeclared inside
        own_prefix,
        alone,
    };
    std::string all = route;
    for (const std::string& c : children) all += c + "\n";
    all += "</route>";
    const auto r_ptr = child_heads_reader();
    const auto evs = feed_all(*r_ptr, kComponentHeader + all);
    REQUIRE(evs.size() == 2);
    CHECK(evs[1].raw == all);
    CHECK(child_raws(evs[1]) ==
          std::vector<std::string>{"", "", "", "", children[4], own_prefix, alone});
    std::vector<const jng::xml::Element*> heads;
    for (const jng::xml::Element& c : evs[1].element.elements()) heads.push_back(&c);
    REQUIRE(heads.size() == children.size());
    CHECK(heads[3]->ns() == jng::ns::kClient);
    CHECK(heads[5]->ns() == "urn:q");
    REQUIRE(heads[5]->attrs().size() == 1);
    CHECK(heads[5]->attrs()[0].ns == "urn:q");
    CHECK(heads[5]->first_element() == nullptr);

    CHECK(evs[1].partial);

    // Nothing below the children: the element is whole, whatever its bytes.
    const auto s_ptr = child_heads_reader();
    const std::string control = "<route xmlns='urn:r' to='c2s'><session action='end'/></route>";
    const auto ss = feed_all(*s_ptr, kComponentHeader + control);
    REQUIRE(ss.size() == 2);
    CHECK_FALSE(ss[1].partial);
    CHECK(child_raws(ss[1]) == std::vector<std::string>{""});
    CHECK(ss[1].element == *jng::xml::parse_element(control));

    // A top-level element leaning on the header comes whole, with no bytes.
    const auto h_ptr = child_heads_reader();
    const auto hs = feed_all(
        *h_ptr, kComponentHeader + "<route><m xmlns='jabber:client'><h:x><y/></h:x></m></route>");
    REQUIRE(hs.size() == 2);
    CHECK(hs[1].raw.empty());
    CHECK(hs[1].child_spans.empty());
    CHECK_FALSE(hs[1].partial);
    REQUIRE(hs[1].element.first_element() != nullptr);
    CHECK(hs[1].element.first_element()->first_element()->first_element() != nullptr);

    // Grandchildren are checked, not built.
    std::string deep = "<route><m xmlns='jabber:client'>";
    for (int i = 0; i < 40; ++i) deep += "<x>";
    const auto d_ptr = child_heads_reader();
    CHECK(jng::test::error_of(feed_all(*d_ptr, kComponentHeader + deep)) == "policy-violation");
}
