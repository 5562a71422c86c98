// Element tree and serializer: literal XML in, literal XML out.
#include <catch.hpp>
#include <utility>

#include "ns.hpp"
#include "xml/element.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

using jng::xml::Element;
using jng::xml::parse_element;
using jng::xml::to_string;

TEST_CASE("serializer escapes text and attributes") {
    Element m("message", std::string(jng::ns::kClient));
    m.set_attr("to", "a'b\"c<d>&e@example.com");
    m.add_text_child("body", "1 < 2 && 3 > 2 'q' \"dq\"");
    CHECK(to_string(m) ==
          "<message xmlns='jabber:client' to='a&apos;b&quot;c&lt;d&gt;&amp;e@example.com'>"
          "<body>1 &lt; 2 &amp;&amp; 3 &gt; 2 'q' \"dq\"</body></message>");
}

TEST_CASE("serializer keeps whitespace in attributes through normalization") {
    Element e("x", "urn:t");
    e.set_attr("v", "a\nb\tc\rd");
    const std::string xml = to_string(e);
    CHECK(xml == "<x xmlns='urn:t' v='a&#10;b&#9;c&#13;d'/>");
    auto back = parse_element(xml);
    REQUIRE(back);
    CHECK(back->attr("v") == "a\nb\tc\rd");
}

TEST_CASE("serializer drops characters XML cannot carry") {
    Element e("x", "urn:t");
    e.add_text(std::string("a\x01" "b\x1f" "c\td", 7));
    CHECK(to_string(e) == "<x xmlns='urn:t'>abc\td</x>");
}

TEST_CASE("serializer declares only namespaces that change") {
    Element iq("iq", std::string(jng::ns::kClient));
    iq.set_attr("type", "get").set_attr("id", "1");
    Element& q = iq.add("query", jng::ns::kRoster);
    q.add("item").set_attr("jid", "a@b");
    CHECK(to_string(iq) ==
          "<iq xmlns='jabber:client' type='get' id='1'>"
          "<query xmlns='jabber:iq:roster'><item jid='a@b'/></query></iq>");
}

TEST_CASE("stanzas take the stream's content namespace inside a stream") {
    Element m("message", std::string(jng::ns::kClient));
    m.add_text_child("body", "hi");
    Element& err = m.add("error");
    err.add("service-unavailable", jng::ns::kStanzas);
    const jng::xml::StreamContext server{jng::ns::kServer};
    CHECK(to_string(m, server) ==
          "<message><body>hi</body><error>"
          "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
}

TEST_CASE("stream namespace uses the stream prefix") {
    Element e("error", std::string(jng::ns::kStream));
    e.add("not-authorized", jng::ns::kStreams);
    CHECK(to_string(e, {jng::ns::kClient}) ==
          "<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
          "</stream:error>");
    CHECK(to_string(e) ==
          "<stream:error xmlns:stream='http://etherx.jabber.org/streams'>"
          "<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
}

TEST_CASE("a namespace the stream header declared keeps its prefix") {
    // XEP-0220 §2: <db:result/>, with the 'db' prefix of the stream header.
    Element r("result", "jabber:server:dialback");
    r.set_attr("from", "a.example").set_attr("to", "b.example").set_attr("type", "error");
    r.add("error", jng::ns::kServer).set_attr("type", "cancel").add("item-not-found",
                                                                     jng::ns::kStanzas);
    const jng::xml::StreamContext server{jng::ns::kServer, "jabber:server:dialback", "db"};
    CHECK(to_string(r, server) ==
          "<db:result from='a.example' to='b.example' type='error'><error type='cancel'>"
          "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></db:result>");
    // Without that declaration: an ordinary default namespace.
    CHECK(to_string(r, {jng::ns::kServer}) ==
          "<result xmlns='jabber:server:dialback' from='a.example' to='b.example' type='error'>"
          "<error xmlns='jabber:server' type='cancel'>"
          "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></result>");
}

TEST_CASE("round trip preserves tree") {
    const char* xml =
        "<message xmlns='jabber:client' xml:lang='en' type='chat' to='x@y/z'>"
        "<body>caf\xc3\xa9 &amp; more</body>"
        "<x xmlns='jabber:x:data' type='form'><field var='a'><value>1</value></field></x>"
        "<thread>t1</thread></message>";
    auto e = parse_element(xml);
    REQUIRE(e);
    CHECK(e->attr("xml:lang") == "en");
    CHECK(e->child_text("body") == "caf\xc3\xa9 & more");
    CHECK(to_string(*e) == xml);
    auto again = parse_element(to_string(*e));
    REQUIRE(again);
    CHECK(*again == *e);
}

TEST_CASE("prefixed elements are written with a default namespace") {
    auto e = parse_element("<p:a xmlns:p='urn:p'><p:b/><c xmlns='urn:c'/></p:a>");
    REQUIRE(e);
    CHECK(to_string(*e) == "<a xmlns='urn:p'><b/><c xmlns='urn:c'/></a>");
}

TEST_CASE("namespaced attributes keep their namespace") {
    auto e = parse_element("<a xmlns='urn:a' xmlns:q='urn:q' q:v='1'/>");
    REQUIRE(e);
    REQUIRE(e->attrs().size() == 1);
    CHECK(e->attrs()[0].ns == "urn:q");
    auto back = parse_element(to_string(*e));
    REQUIRE(back);
    CHECK(*back == *e);
}

TEST_CASE("element accessors") {
    Element e("presence", std::string(jng::ns::kClient));
    e.add_text_child("show", "away");
    e.add_text_child("status", "out");
    e.add("c", jng::ns::kCaps).set_attr("node", "n");
    CHECK(e.child("show"));
    CHECK(e.child("c", jng::ns::kCaps)->attr("node") == "n");
    CHECK(e.child("c", jng::ns::kClient) == nullptr);
    CHECK(e.child_in(jng::ns::kCaps) != nullptr);
    CHECK(e.remove_children("status") == 1);
    CHECK(e.child("status") == nullptr);
    CHECK(e.attr("missing", "dflt") == "dflt");
    e.set_attr("type", "a").set_attr("type", "b");
    CHECK(e.attrs().size() == 1);
    CHECK(e.attr("type") == "b");
    CHECK(e.remove_attr("type"));
    CHECK_FALSE(e.has_attr("type"));
    int count = 0;
    for (const Element& c : e.elements()) {
        (void)c;
        ++count;
    }
    CHECK(count == 2);
}

TEST_CASE("elements() steps over text, in order, and lets a child be changed") {
    Element e("message", std::string(jng::ns::kClient));
    CHECK(e.elements().empty());
    CHECK(e.elements().size() == 0);
    e.add_text("lead ");
    CHECK(e.elements().empty());
    e.add_text_child("subject", "s");
    e.add_text(" between ");
    e.add_text_child("body", "b");
    e.add_text(" trail");
    std::vector<std::string> names;
    for (const Element& c : std::as_const(e).elements()) names.push_back(c.name());
    CHECK(names == std::vector<std::string>{"subject", "body"});
    CHECK(e.elements().size() == 2);
    CHECK_FALSE(e.elements().empty());
    auto it = e.elements().begin();
    CHECK(it->name() == "subject");
    (*it++).set_attr("xml:lang", "en");
    CHECK(it->name() == "body");
    CHECK(++it == e.elements().end());
    CHECK(e.child("subject")->attr("xml:lang") == "en");
}

TEST_CASE("attribute order does not affect equality") {
    auto a = parse_element("<a xmlns='u' x='1' y='2'/>");
    auto b = parse_element("<a xmlns='u' y='2' x='1'/>");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a == *b);
}

TEST_CASE("parse_element refuses what is not one element") {
    std::string err;
    CHECK_FALSE(parse_element("", &err));
    CHECK_FALSE(parse_element("<a/><b/>", &err));
    CHECK_FALSE(parse_element("<a>", &err));
    CHECK_FALSE(parse_element("text", &err));
    CHECK_FALSE(parse_element("<!DOCTYPE a><a/>", &err));
}

TEST_CASE("a stanza nested in another namespace keeps jabber:client") {
    Element route("route", "urn:jabberd-ng:component:1");
    Element& m = route.add("message", jng::ns::kClient);
    m.add_text_child("body", "hi");
    CHECK(to_string(route, {jng::ns::kComponentAccept}) ==
          "<route xmlns='urn:jabberd-ng:component:1'><message xmlns='jabber:client'>"
          "<body>hi</body></message></route>");
}
