// The pure rules of the sm's per-user service modules: the vCard kept and
// read back (XEP-0054), the namespaces of private XML (XEP-0049), the
// status and seconds of last activity (XEP-0012), what a logged-in user's
// register request asks for (XEP-0077), and the server's disco items
// (XEP-0030).
#include <catch.hpp>

#include "disco.hpp"
#include "last.hpp"
#include "private.hpp"
#include "register.hpp"
#include "vcard.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"
#include "xml_reader_util.hpp"

using jng::storage::DiscoItem;
using jng::test::must_parse;
namespace vcard = jng::sm::vcard;
namespace private_xml = jng::sm::private_xml;
namespace last = jng::sm::last;
namespace registration = jng::sm::registration;
namespace disco = jng::sm::disco;

namespace {


}  // namespace

// ---- vcard ------------------------------------------------------------------

TEST_CASE("a vCard is stored as the client set it, and read back the same") {
    const auto card =
        must_parse("<vCard xmlns='vcard-temp'><FN>Juliet</FN><EMAIL><HOME/>"
            "<USERID>j@example.com</USERID></EMAIL><EMAIL><WORK/>"
            "<USERID>c@example.com</USERID></EMAIL>"
            "<x xmlns='urn:example:ext'>kept</x></vCard>");
    auto stored = vcard::to_stored(card, 65536);
    REQUIRE(stored);
    auto back = vcard::from_stored(*stored);
    REQUIRE(back);
    CHECK(*back == card);
    CHECK(jng::xml::to_string(*back) == *stored);
}

TEST_CASE("a vCard over the limit is refused with its size") {
    const auto card =
        must_parse("<vCard xmlns='vcard-temp'><FN>" + std::string(200, 'x') + "</FN></vCard>");
    auto refused = vcard::to_stored(card, 100);
    REQUIRE_FALSE(refused);
    CHECK(refused.message().find("at most 100") != std::string::npos);
    CHECK(vcard::to_stored(card, jng::xml::to_string(card).size()));
}

TEST_CASE("a damaged vCard row is an error, not a vCard") {
    CHECK_FALSE(vcard::from_stored(""));
    CHECK_FALSE(vcard::from_stored("<vCard xmlns='vcard-temp'><FN>"));
    CHECK_FALSE(vcard::from_stored("<vCard xmlns='vcard-temp'/><vCard xmlns='vcard-temp'/>"));
    CHECK_FALSE(vcard::from_stored("<vCard xmlns='urn:other'/>"));
    CHECK_FALSE(vcard::from_stored("<query xmlns='vcard-temp'/>"));
    CHECK_FALSE(vcard::from_stored("<!DOCTYPE x><vCard xmlns='vcard-temp'/>"));
    CHECK(vcard::from_stored("<vCard xmlns='vcard-temp'/>"));
}

TEST_CASE("an empty vCard holds no element and no text") {
    CHECK(vcard::is_empty(must_parse("<vCard xmlns='vcard-temp'/>")));
    CHECK(vcard::is_empty(must_parse("<vCard xmlns='vcard-temp'>\n  </vCard>")));
    CHECK_FALSE(vcard::is_empty(must_parse("<vCard xmlns='vcard-temp'><FN/></vCard>")));
    CHECK_FALSE(vcard::is_empty(must_parse("<vCard xmlns='vcard-temp'>text</vCard>")));
}

// ---- private ------------------------------------------------------------------

TEST_CASE("private XML namespaces the XEP reserves are refused") {
    for (const char* ns :
         {"jabber:client", "jabber:server", "jabber:iq:private", "jabber:iq:roster",
          "jabber:x:data", "vcard-temp", "http://jabber.org/protocol/disco#info",
          "urn:ietf:params:xml:ns:xmpp-stanzas", "urn:ietf:params:xml:ns:xmpp-streams",
          "http://etherx.jabber.org/streams", ""}) {
        INFO(ns);
        CHECK(private_xml::reserved(ns));
    }
    for (const char* ns : {"storage:bookmarks", "storage:rosternotes", "exodus:prefs",
                           "urn:xmpp:bookmarks:1", "jabberd:prefs", "vcard-temp-x"}) {
        INFO(ns);
        CHECK_FALSE(private_xml::reserved(ns));
    }
}

TEST_CASE("a private XML request holds exactly one element in its own namespace") {
    CHECK(private_xml::check(must_parse("<query xmlns='jabber:iq:private'>"
                                 "<storage xmlns='storage:bookmarks'/></query>"))
              .condition.empty());
    CHECK(private_xml::check(must_parse("<query xmlns='jabber:iq:private'/>")).condition == "bad-request");
    CHECK(private_xml::check(must_parse("<query xmlns='jabber:iq:private'>  </query>")).condition ==
          "bad-request");
    CHECK(private_xml::check(must_parse("<query xmlns='jabber:iq:private'><a xmlns='urn:a'/>"
                                 "<b xmlns='urn:b'/></query>"))
              .condition == "bad-request");
    // A child without a namespace of its own is in jabber:iq:private.
    const auto inherited =
        private_xml::check(must_parse("<query xmlns='jabber:iq:private'><prefs/></query>"));
    CHECK(inherited.condition == "not-acceptable");
    CHECK(inherited.text.find("jabber:iq:private") != std::string::npos);
    CHECK(private_xml::check(must_parse("<query xmlns='jabber:iq:private'><x xmlns='jabber:client'/>"
                                 "</query>"))
              .condition == "not-acceptable");
}

// ---- last -------------------------------------------------------------------

TEST_CASE("the status kept from an unavailable presence") {
    CHECK(last::status_of(must_parse("<presence xmlns='jabber:client' type='unavailable'>"
                              "<status>Heading Home</status></presence>")) == "Heading Home");
    CHECK(last::status_of(must_parse("<presence xmlns='jabber:client' type='unavailable'/>")).empty());
    CHECK(last::status_of(must_parse("<presence xmlns='jabber:client' type='unavailable'>"
                              "<status xml:lang='en'>first</status>"
                              "<status xml:lang='de'>zweite</status></presence>")) == "first");
}

TEST_CASE("a long status is cut at a character boundary") {
    // 'é' is two bytes: the limit falls in the middle of one.
    std::string text = "a";
    while (text.size() < last::kMaxStatusBytes + 10) text += "\xC3\xA9";
    auto presence = must_parse("<presence xmlns='jabber:client'/>");
    presence.add("status").add_text(text);
    const std::string kept = last::status_of(presence);
    CHECK(kept.size() <= last::kMaxStatusBytes);
    CHECK(kept.size() >= last::kMaxStatusBytes - 1);
    CHECK(text.starts_with(kept));
    CHECK((static_cast<unsigned char>(kept.back()) & 0xC0) == 0x80);  // a sequence ends it
}

TEST_CASE("seconds since a logout are never negative") {
    CHECK(last::seconds_between(100, 1000) == 900);
    CHECK(last::seconds_between(1000, 1000) == 0);
    CHECK(last::seconds_between(1000, 10) == 0);
}

TEST_CASE("the last activity answer") {
    CHECK(jng::xml::to_string(last::answer(903, "Heading Home")) ==
          "<query xmlns='jabber:iq:last' seconds='903'>Heading Home</query>");
    CHECK(jng::xml::to_string(last::answer(0)) == "<query xmlns='jabber:iq:last' seconds='0'/>");
}

// ---- register -------------------------------------------------------------------

TEST_CASE("a password change names the account and a password") {
    using Kind = registration::Request::Kind;
    auto ok =
        registration::read_set(must_parse("<query xmlns='jabber:iq:register'><username>Juliet</username>"
                                   "<password>new-pw</password></query>"),
                               "juliet");
    CHECK(ok.kind == Kind::kChangePassword);
    CHECK(ok.password == "new-pw");

    auto missing = registration::read_set(
        must_parse("<query xmlns='jabber:iq:register'><password>x</password></query>"), "juliet");
    CHECK(missing.kind == Kind::kRefused);
    CHECK(missing.condition == "bad-request");
    CHECK(
        registration::read_set(
            must_parse("<query xmlns='jabber:iq:register'><username>juliet</username></query>"), "juliet")
            .condition == "bad-request");

    auto other =
        registration::read_set(must_parse("<query xmlns='jabber:iq:register'><username>romeo</username>"
                                   "<password>x</password></query>"),
                               "juliet");
    CHECK(other.condition == "bad-request");

    auto empty =
        registration::read_set(must_parse("<query xmlns='jabber:iq:register'><username>juliet</username>"
                                   "<password/></query>"),
                               "juliet");
    CHECK(empty.condition == "not-acceptable");

    auto query = must_parse("<query xmlns='jabber:iq:register'><username>juliet</username></query>");
    query.add("password").add_text(std::string(registration::kMaxPasswordBytes + 1, 'p'));
    auto long_one = registration::read_set(query, "juliet");
    CHECK(long_one.condition == "not-acceptable");
    CHECK(long_one.password.empty());
}

TEST_CASE("<remove/> alone cancels the account") {
    using Kind = registration::Request::Kind;
    CHECK(registration::read_set(must_parse("<query xmlns='jabber:iq:register'> <remove/> </query>"),
                                 "juliet")
              .kind == Kind::kCancel);
    // XEP-0077 §3.2: with anything else beside it, the request is bad.
    auto mixed = registration::read_set(must_parse("<query xmlns='jabber:iq:register'><username>juliet"
                                            "</username><remove/></query>"),
                                        "juliet");
    CHECK(mixed.kind == Kind::kRefused);
    CHECK(mixed.condition == "bad-request");
}

TEST_CASE("a registered user's get") {
    CHECK(jng::xml::to_string(registration::registered("juliet")) ==
          "<query xmlns='jabber:iq:register'><registered/><username>juliet</username>"
          "<password/></query>");
}

// ---- disco items ------------------------------------------------------------------

TEST_CASE("the server lists its components and the stored items") {
    const jng::StringMap<std::string> names = {
        {"example.com", "sm-1"},
        {"sm-1", "sm-1"},
        {"c2s-1", "c2s-1"},
        {"resolver", "resolver"},
        {"s2s", "s2s"},
        {"conference.example.com", "conference.example.com"},
        {"pubsub.example.com", "pubsub.example.com"},
        {"irc.gw.example.com", "irc.gw.example.com"},
        {"conference.example.org", "conference.example.org"},
        {"badexample.com", "badexample.com"},
        {"users.example.com", "sm-2"},
    };
    const std::vector<std::string> local = {"example.com", "users.example.com"};
    const std::vector<DiscoItem> stored = {
        {"conference.example.com", "Chatrooms", ""},
        {"news.example.org", "News", "feeds"},
    };
    const auto items = disco::server_items("example.com", names, local, stored);
    const std::vector<DiscoItem> expected = {
        {"conference.example.com", "Chatrooms", ""},
        {"irc.gw.example.com", "", ""},
        {"news.example.org", "News", "feeds"},
        {"pubsub.example.com", "", ""},
    };
    CHECK(items == expected);
    CHECK(disco::server_items("example.net", names, local, {}).empty());
}
