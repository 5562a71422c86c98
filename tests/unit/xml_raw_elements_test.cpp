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

namespace {
const std::string kComponentHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
    "xmlns:stream='http://etherx.jabber.org/streams' xmlns:h='urn:header' to='c.example'>";

const std::vector<std::string> kElements = {
    "<message to='a@b' type='chat'><body>caf\xc3\xa9 &amp; &lt;tea&gt; &#x263A;</body></message>",
    "<route xmlns='http://jabberd.jabberstudio.org/ns/component/1.0' to='sm' from='c2s'\n"
    "  user='a@b'><presence xml:lang='en'><x xmlns:p='urn:p' p:a=\"1\"><p:y/></x></presence>"
    "</route>",
    "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>",
    "<presence/>",
    "<message><x><![CDATA[<not a tag>]]></x></message>",
};

std::unique_ptr<StreamReader> raw_reader() {
    auto r = std::make_unique<StreamReader>(jng::xml::ReaderLimits{},
                                            std::string(jng::ns::kComponentAccept));
    r->keep_raw_elements();
    return r;
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
    auto r = std::make_unique<StreamReader>(jng::xml::ReaderLimits{},
                                            std::string(jng::ns::kComponentAccept));
    r->read_heads_only();
    return r;
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
