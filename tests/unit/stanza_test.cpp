// Stanza errors (RFC 6120 §8.3) and the component protocol's elements.
#include "stanza.hpp"

#include <catch.hpp>
#include <string>
#include <vector>

#include "component/protocol.hpp"
#include "karma.hpp"
#include "ns.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

using jng::xml::parse_element;
using jng::xml::to_string;

TEST_CASE("error reply swaps addresses and carries the condition with its type") {
    auto m = parse_element(
        "<message xmlns='jabber:client' from='a@x/r' to='b@y' id='m1' type='chat'>"
        "<body>hi</body></message>");
    REQUIRE(m);
    const auto e = jng::stanza::error_reply(*m, "service-unavailable", "nobody here");
    CHECK(to_string(e) ==
          "<message xmlns='jabber:client' from='b@y' to='a@x/r' id='m1' type='error'>"
          "<body>hi</body><error type='cancel'>"
          "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
          "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>nobody here</text></error></message>");
    CHECK(jng::stanza::error_condition(e) == "service-unavailable");
}

TEST_CASE("default error types follow RFC 6120 §8.3.3") {
    using jng::stanza::ErrorType;
    CHECK(jng::stanza::default_type("bad-request") == ErrorType::kModify);
    CHECK(jng::stanza::default_type("not-authorized") == ErrorType::kAuth);
    CHECK(jng::stanza::default_type("resource-constraint") == ErrorType::kWait);
    CHECK(jng::stanza::default_type("item-not-found") == ErrorType::kCancel);
    CHECK_FALSE(jng::stanza::default_type("no-such-condition"));
}

TEST_CASE("errors and iq results are never bounced") {
    auto err = parse_element("<message xmlns='jabber:client' type='error'/>");
    auto result = parse_element("<iq xmlns='jabber:client' type='result'/>");
    auto get = parse_element("<iq xmlns='jabber:client' type='get'/>");
    auto presence = parse_element("<presence xmlns='jabber:client'/>");
    CHECK_FALSE(jng::stanza::can_bounce(*err));
    CHECK_FALSE(jng::stanza::can_bounce(*result));
    CHECK(jng::stanza::can_bounce(*get));
    CHECK(jng::stanza::can_bounce(*presence));
}

TEST_CASE("malformed iqs are told apart (RFC 6120 §8.2.3)") {
    auto problem = [](std::string_view xml) {
        auto iq = parse_element(xml);
        REQUIRE(iq);
        return std::string(jng::stanza::iq_problem(*iq));
    };
    CHECK(problem("<iq xmlns='jabber:client' type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>")
              .empty());
    CHECK(problem("<iq xmlns='jabber:client' type='result' id='1'/>").empty());
    CHECK(problem("<iq xmlns='jabber:client' type='error' id='1'><error/></iq>").empty());
    CHECK_FALSE(problem("<iq xmlns='jabber:client' type='get'><ping xmlns='urn:xmpp:ping'/></iq>")
                    .empty());
    CHECK_FALSE(problem("<iq xmlns='jabber:client' type='set' id='1'/>").empty());
    CHECK_FALSE(problem("<iq xmlns='jabber:client' type='get' id='1'><a xmlns='x'/><b xmlns='x'/>"
                        "</iq>")
                    .empty());
    CHECK_FALSE(problem("<iq xmlns='jabber:client' type='bogus' id='1'><a xmlns='x'/></iq>").empty());
    CHECK_FALSE(problem("<iq xmlns='jabber:client' id='1'><a xmlns='x'/></iq>").empty());
}

TEST_CASE("stream errors") {
    CHECK(to_string(jng::stanza::stream_error("host-unknown"), {jng::ns::kClient}) ==
          "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
          "</stream:error>");
}

TEST_CASE("route envelopes round-trip through a component stream") {
    auto m = parse_element("<message xmlns='jabber:client' to='b@x'><body>hi</body></message>");
    REQUIRE(m);
    const auto env = jng::component::make_route({"c2s-1", "x", "s1", "a@x"}, *m);
    const std::string wire = to_string(env, {jng::ns::kComponentAccept});
    CHECK(wire ==
          "<route xmlns='urn:jabberd-ng:component:1' from='c2s-1' to='x' user='a@x' session='s1'>"
          "<message xmlns='jabber:client' to='b@x'><body>hi</body></message></route>");
    jng::xml::StreamReader reader({}, std::string(jng::ns::kComponentAccept));
    reader.feed("<stream:stream xmlns='jabber:component:accept' "
                "xmlns:stream='http://etherx.jabber.org/streams'>" + wire);
    reader.next();
    auto ev = reader.next();
    REQUIRE(ev);
    REQUIRE(jng::component::is_route(ev->element));
    const auto r = jng::component::read_route(ev->element);
    CHECK(r.from == "c2s-1");
    CHECK(r.user == "a@x");
    CHECK(r.session == "s1");
    REQUIRE(r.payload);
    CHECK(*r.payload == *m);
}

TEST_CASE("an envelope written around its payload is the envelope serialized") {
    const std::vector<std::string> payloads = {
        "<message xmlns='jabber:client' to='b@x' xml:lang='en'><body>hi &amp; &lt;bye&gt;</body>"
        "<x xmlns='urn:x' xmlns:p='urn:p' p:a='1'><y/></x></message>",
        "<presence xmlns='jabber:client'/>",
        "<session xmlns='urn:jabberd-ng:component:1' action='started' jid='a@x/r'/>",
    };
    const std::vector<jng::component::RouteAddress> addresses = {
        {"c2s-1", "sm-1", "s1", "a@x"},
        {"sm-1", "c2s-1", "s'2&<"},
    };
    for (const std::string& xml : payloads) {
        const auto payload = parse_element(xml);
        REQUIRE(payload);
        for (const auto& address : addresses) {
            std::string written;
            jng::component::write_route(address, *payload, written);
            INFO(written);
            CHECK(written == to_string(jng::component::make_route(address, *payload),
                                       {jng::ns::kComponentAccept}));
        }
    }
}

TEST_CASE("session control elements") {
    using jng::component::SessionAction;
    const auto e = jng::component::make_session({SessionAction::kFailed, {}, "conflict"});
    CHECK(to_string(e) == "<session xmlns='urn:jabberd-ng:component:1' action='failed' "
                          "condition='conflict'/>");
    const auto back = jng::component::read_session(e);
    REQUIRE(back);
    CHECK(back->action == SessionAction::kFailed);
    CHECK(back->condition == "conflict");
    auto bogus = parse_element("<session xmlns='urn:jabberd-ng:component:1' action='explode'/>");
    CHECK_FALSE(jng::component::read_session(*bogus));
}

TEST_CASE("name presence elements") {
    const auto e = jng::component::make_name_presence({"example.com", "sm-1", false});
    const auto p = jng::component::read_name_presence(e);
    REQUIRE(p);
    CHECK(p->name == "example.com");
    CHECK(p->component == "sm-1");
    CHECK_FALSE(p->available);
}

TEST_CASE("XEP-0114 handshake digest") {
    // hex(SHA-1("3BF96D32" + "sekrit")), the XEP's example id and secret.
    CHECK(jng::component::handshake_digest("3BF96D32", "sekrit") ==
          "5547269269506c23b408f2b69c0f74efdd03b4fb");
}

TEST_CASE("token bucket") {
    using Clock = jng::TokenBucket::Clock;
    const auto t0 = Clock::now();
    jng::TokenBucket b(1000, 2000);
    CHECK(b.take(1500, t0));
    CHECK(b.take(500, t0));
    CHECK_FALSE(b.take(1, t0));
    CHECK(b.wait_time(t0).count() >= 1);
    CHECK(b.take(0, t0 + std::chrono::seconds(1)));
    CHECK(jng::TokenBucket().take(1 << 30));
}
