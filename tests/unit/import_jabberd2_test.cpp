// The jabberd2 import's conversion rules, row by row: jabberd2's columns and
// stored NADs in, our rows (literal XML where XML comes out) and the reasons
// for what is left out.
#include <catch.hpp>

#include "import_jabberd2_convert.hpp"

using namespace jng::ctl::jabberd2;
using jng::Jid;
using jng::storage::PrivacyItem;
using jng::storage::RosterItem;

namespace {

SourceRow row(std::initializer_list<std::pair<std::string, std::optional<std::string>>> cells) {
    SourceRow r;
    for (const auto& c : cells) r.cells.push_back(c);
    return r;
}

Jid alice() { return *Jid::parse("alice@example.com"); }

constexpr const char* kNow = "2030-01-01T00:00:00Z";

// A queued stanza as jabberd2 2.x stored it: the NAD marker, the router
// envelope, the session attributes and the legacy delay stamp.
std::string queued(const std::string& stanza) {
    return "NAD<route xmlns='http://jabberd.jabberstudio.org/ns/component/1.0' "
           "xmlns:sm='http://jabberd.jabberstudio.org/ns/session/1.0' to='sm' from='c2s'>" +
           stanza + "</route>";
}

}  // namespace

TEST_CASE("values: NAD marker, flags, integers", "[import]") {
    CHECK(strip_nad_marker("NAD<x/>") == "<x/>");
    CHECK(strip_nad_marker("<x/>") == "<x/>");
    CHECK(*parse_flag("1"));
    CHECK(*parse_flag("t"));
    CHECK_FALSE(*parse_flag("0"));
    CHECK_FALSE(*parse_flag("f"));
    CHECK_FALSE(parse_flag("yes").ok());
    CHECK(*parse_integer("-12") == -12);
    CHECK_FALSE(parse_integer("12a").ok());
    CHECK_FALSE(parse_integer("").ok());
}

TEST_CASE("values: XML text is UTF-8 without forbidden characters", "[import]") {
    CHECK(is_xml_text("plain\ttext\r\n"));
    CHECK(is_xml_text("Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac \xf0\x9f\x98\x80"));
    CHECK_FALSE(is_xml_text("bell\x07"));
    CHECK_FALSE(is_xml_text("latin-1 \xe9t\xe9"));
    CHECK_FALSE(is_xml_text("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(is_xml_text("\xed\xa0\x80"));      // a surrogate
    CHECK_FALSE(is_xml_text("\xef\xbf\xbe"));      // U+FFFE
    CHECK_FALSE(is_xml_text("cut \xe2\x82"));      // truncated sequence
}

TEST_CASE("values: XEP-0091 stamps become XEP-0082", "[import]") {
    CHECK(*legacy_stamp_to_xep0082("20240102T03:04:05") == "2024-01-02T03:04:05Z");
    CHECK_FALSE(legacy_stamp_to_xep0082("2024-01-02T03:04:05Z"));
    CHECK_FALSE(legacy_stamp_to_xep0082("2024010xT03:04:05"));
}

TEST_CASE("roster: items, subscription states and groups", "[import]") {
    const SourceRows items = {
        row({{"jid", "Bob@Example.com"}, {"name", "Bob"}, {"to", "1"}, {"from", "1"}, {"ask", "0"}}),
        row({{"jid", "carol@example.com"}, {"name", std::nullopt}, {"to", "f"}, {"from", "f"}, {"ask", "1"}}),
        row({{"jid", "dave@example.com"}, {"name", "D"}, {"to", "t"}, {"from", "f"}, {"ask", "2"}}),
        row({{"jid", "bad jid@example.com"}, {"to", "1"}, {"from", "1"}, {"ask", "0"}}),
        row({{"jid", "eve@example.com/phone"}, {"to", "1"}, {"from", "1"}, {"ask", "0"}}),
        row({{"jid", "frank@example.com"}, {"to", "maybe"}, {"from", "1"}, {"ask", "0"}}),
        row({{"jid", "gina@example.com"}, {"to", "1"}, {"from", "1"}, {"ask", "7"}}),
        row({{"jid", "bob@example.com"}, {"to", "0"}, {"from", "0"}, {"ask", "0"}}),
    };
    const SourceRows groups = {
        row({{"jid", "bob@example.com"}, {"group", "Work"}}),
        row({{"jid", "bob@example.com"}, {"group", "Friends"}}),
        row({{"jid", "bob@example.com"}, {"group", "Friends"}}),
        row({{"jid", "nobody@example.com"}, {"group", "Work"}}),
        row({{"jid", "carol@example.com"}, {"group", ""}}),
    };
    const RosterResult r = convert_roster(items, groups, Limits{});
    REQUIRE(r.items.size() == 3);
    CHECK(r.items[0] == RosterItem{"bob@example.com", "Bob", true, true, RosterItem::Ask::kNone,
                                   false, "", false, {"Friends", "Work"}});
    CHECK(r.items[1] == RosterItem{"carol@example.com", "", false, false,
                                   RosterItem::Ask::kSubscribe, false, "", false, {}});
    // An unsubscribe awaiting its answer leaves no pending state.
    CHECK(r.items[2] == RosterItem{"dave@example.com", "D", true, false, RosterItem::Ask::kNone,
                                   false, "", false, {}});
    // bad JID, full JID, bad flag, bad ask, duplicate, group of a missing item, empty group
    CHECK(r.skipped.size() == 7);
}

TEST_CASE("roster: oversized and non-text names are dropped, the item kept", "[import]") {
    Limits limits;
    limits.max_name_bytes = 8;
    const RosterResult r = convert_roster(
        {row({{"jid", "a@example.com"}, {"name", "far too long a name"}, {"to", "1"}, {"from", "1"}, {"ask", "0"}}),
         row({{"jid", "b@example.com"}, {"name", "\x01"}, {"to", "1"}, {"from", "1"}, {"ask", "0"}})},
        {}, limits);
    REQUIRE(r.items.size() == 2);
    CHECK(r.items[0].name.empty());
    CHECK(r.items[1].name.empty());
    CHECK(r.skipped.size() == 2);
}

TEST_CASE("queue: a stored message comes out clean, with a XEP-0203 delay", "[import]") {
    const SourceRows rows = {row(
        {{"object-sequence", "5"},
         {"xml", queued("<message xmlns='jabber:client' sm:c2s='123' from='bob@example.com/pc' "
                        "to='alice@example.com' type='chat' id='m1'><body>hi &amp; bye</body>"
                        "<x xmlns='jabber:x:delay' stamp='20240102T03:04:05' from='example.com'/>"
                        "</message>")}})};
    const QueueResult q = convert_queue(rows, alice(), kNow, Limits{});
    REQUIRE(q.skipped.empty());
    REQUIRE(q.messages.size() == 1);
    CHECK(q.messages[0] ==
          "<message xmlns='jabber:client' from='bob@example.com/pc' to='alice@example.com' "
          "type='chat' id='m1'><body>hi &amp; bye</body>"
          "<x xmlns='jabber:x:delay' stamp='20240102T03:04:05' from='example.com'/>"
          "<delay xmlns='urn:xmpp:delay' from='example.com' stamp='2024-01-02T03:04:05Z'>"
          "Offline Storage</delay></message>");
}

TEST_CASE("queue: a stanza without a stamp is dated at the import", "[import]") {
    const QueueResult q = convert_queue(
        {row({{"xml", "<message from='bob@example.com'><body>x</body></message>"}})}, alice(), kNow,
        Limits{});
    REQUIRE(q.messages.size() == 1);
    CHECK(q.messages[0] ==
          "<message xmlns='jabber:client' from='bob@example.com' to='alice@example.com'>"
          "<body>x</body><delay xmlns='urn:xmpp:delay' from='example.com' "
          "stamp='2030-01-01T00:00:00Z'>Offline Storage</delay></message>");
}

TEST_CASE("queue: subscription requests become pending-in roster state", "[import]") {
    const QueueResult q = convert_queue(
        {row({{"xml", queued("<presence xmlns='jabber:client' type='subscribe' from='carol@example.com/x'/>")}}),
         row({{"xml", queued("<presence xmlns='jabber:client' type='subscribe' from='bob@example.com'/>")}})},
        alice(), kNow, Limits{});
    REQUIRE(q.subscriptions.size() == 2);
    CHECK(q.subscriptions[0].contact == "carol@example.com");
    CHECK(q.subscriptions[0].xml.starts_with(
        "<presence xmlns='jabber:client' type='subscribe' from='carol@example.com/x' to='alice@example.com'>"));

    RosterResult roster;
    RosterItem bob;
    bob.jid = "bob@example.com";
    bob.from = true;  // subscribed already
    roster.items.push_back(bob);
    RosterItem dave;
    dave.jid = "dave@example.com";
    roster.items.push_back(dave);
    std::vector<Skipped> skipped;
    add_pending_subscriptions(roster, q.subscriptions, skipped);
    REQUIRE(roster.items.size() == 3);
    CHECK(roster.items[0].jid == "bob@example.com");
    CHECK(roster.items[0].pending_in.empty());
    CHECK(roster.items[1].jid == "carol@example.com");
    CHECK(roster.items[1].hidden);
    CHECK(roster.items[1].pending_in == q.subscriptions[0].xml);
    REQUIRE(skipped.size() == 1);
    CHECK(skipped[0].reason == "the contact is subscribed already");
}

TEST_CASE("queue: what is not kept, and why", "[import]") {
    Limits limits;
    limits.max_document_bytes = 300;
    const QueueResult q = convert_queue(
        {
            row({{"object-sequence", "1"}, {"xml", "NAD<route><message"}}),
            row({{"object-sequence", "2"}, {"xml", std::nullopt}}),
            row({{"object-sequence", "3"}, {"xml", queued("<message xmlns='jabber:client' type='headline' from='news.example.com'/>")}}),
            row({{"object-sequence", "4"}, {"xml", queued("<message xmlns='jabber:client'><body>who?</body></message>")}}),
            row({{"object-sequence", "5"}, {"xml", queued("<message xmlns='jabber:client' from='not a jid@@'/>")}}),
            row({{"object-sequence", "6"}, {"xml", queued("<presence xmlns='jabber:client' type='unsubscribed' from='bob@example.com'/>")}}),
            row({{"object-sequence", "7"}, {"xml", "<message from='bob@example.com'><body>" + std::string(400, 'x') + "</body></message>"}}),
            row({{"object-sequence", "8"}, {"xml", "NAD<route xmlns='http://jabberd.jabberstudio.org/ns/component/1.0'/>"}}),
            row({{"object-sequence", "9"}, {"xml", "<iq xmlns='jabber:server' from='bob@example.com'/>"}}),
        },
        alice(), kNow, limits);
    CHECK(q.messages.empty());
    CHECK(q.subscriptions.empty());
    REQUIRE(q.skipped.size() == 9);
    CHECK(q.skipped[0].what == "offline stanza #1");
    CHECK(q.skipped[6].reason.find("more than 300") != std::string::npos);
}

TEST_CASE("vCard: jabberd2's columns become the element it served", "[import]") {
    const VcardResult v = convert_vcard(
        {row({{"fn", "Old"}}),
         row({{"fn", "Alice Example"}, {"n-family", "Example"}, {"n-given", "Alice"},
              {"nickname", "al"}, {"email", "alice@mail.example"}, {"tel", "+1 555"},
              {"adr-country", "NL"}, {"photo-type", "image/png"}, {"photo-binval", "iVBORw0KGgo="},
              {"note", "bell\x07"}, {"desc", std::nullopt}, {"url", ""}})},
        Limits{});
    REQUIRE(v.xml);
    CHECK(*v.xml ==
          "<vCard xmlns='vcard-temp'><FN>Alice Example</FN><N><FAMILY>Example</FAMILY>"
          "<GIVEN>Alice</GIVEN></N><NICKNAME>al</NICKNAME><PHOTO><TYPE>image/png</TYPE>"
          "<BINVAL>iVBORw0KGgo=</BINVAL></PHOTO><ADR><CTRY>NL</CTRY></ADR><TEL><NUMBER>+1 555"
          "</NUMBER></TEL><EMAIL><USERID>alice@mail.example</USERID></EMAIL></vCard>");
    REQUIRE(v.skipped.size() == 1);
    CHECK(v.skipped[0].what == "vCard field NOTE");
}

TEST_CASE("vCard: none, empty, or too large", "[import]") {
    CHECK_FALSE(convert_vcard({}, Limits{}).xml);
    CHECK_FALSE(convert_vcard({row({{"fn", ""}, {"nickname", std::nullopt}})}, Limits{}).xml);
    Limits limits;
    limits.max_document_bytes = 64;
    const VcardResult v = convert_vcard({row({{"photo-binval", std::string(100, 'A')}})}, limits);
    CHECK_FALSE(v.xml);
    CHECK(v.skipped.size() == 1);
}

TEST_CASE("private XML: the element inside the stored request", "[import]") {
    const std::string bookmarks =
        "NAD<route xmlns='http://jabberd.jabberstudio.org/ns/component/1.0'><iq xmlns='jabber:client' "
        "type='set' id='p1'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'>"
        "<conference jid='room@conference.example.com' autojoin='true'/></storage></query></iq></route>";
    const PrivateResult p = convert_private(
        {row({{"ns", "storage:bookmarks"}, {"xml", "NAD<storage xmlns='storage:bookmarks'/>"}}),
         row({{"ns", "storage:bookmarks"}, {"xml", bookmarks}}),
         row({{"ns", "a:b"}, {"xml", "<query xmlns='jabber:iq:private'><x xmlns='a:b'>1</x></query>"}}),
         row({{"ns", "c:d"}, {"xml", "<x xmlns='e:f'/>"}}),
         row({{"ns", "g:h"}, {"xml", "NAD<iq xmlns='jabber:client'/>"}}),
         row({{"ns", "i:j"}, {"xml", "not xml"}}),
         row({{"ns", "k:l"}, {"xml", std::nullopt}})},
        Limits{});
    REQUIRE(p.elements.size() == 2);
    CHECK(p.elements[0].ns == "a:b");
    CHECK(p.elements[0].xml == "<x xmlns='a:b'>1</x>");
    CHECK(p.elements[1].ns == "storage:bookmarks");
    CHECK(p.elements[1].xml ==
          "<storage xmlns='storage:bookmarks'><conference jid='room@conference.example.com' "
          "autojoin='true'/></storage>");
    CHECK(p.skipped.size() == 4);
}

TEST_CASE("privacy: lists by name, items by order, the default", "[import]") {
    const PrivacyResult p = convert_privacy(
        {row({{"list", "work"}, {"type", "jid"}, {"value", "Boss@Example.com"}, {"deny", "0"}, {"order", "20"}, {"block", "0"}}),
         row({{"list", "work"}, {"type", std::nullopt}, {"value", std::nullopt}, {"deny", "1"}, {"order", "30"}, {"block", "1"}}),
         row({{"list", "work"}, {"type", "group"}, {"value", "Friends"}, {"deny", "f"}, {"order", "10"}, {"block", "10"}}),
         row({{"list", "all"}, {"type", "subscription"}, {"value", "both"}, {"deny", "t"}, {"order", "1"}})},
        {row({{"default", "work"}})});
    REQUIRE(p.lists.size() == 2);
    CHECK(p.lists[0].name == "all");
    CHECK(p.lists[0].items[0].type == PrivacyItem::Type::kSubscription);
    CHECK_FALSE(p.lists[0].items[0].allow);
    const auto& work = p.lists[1].items;
    REQUIRE(work.size() == 3);
    CHECK(work[0].type == PrivacyItem::Type::kGroup);
    CHECK(work[0].allow);
    CHECK(work[0].presence_in);  // block 10 = presence-in (2) and iq (8)
    CHECK(work[0].iq);
    CHECK_FALSE(work[0].message);
    CHECK(work[1].value == "boss@example.com");
    CHECK(work[2].type == PrivacyItem::Type::kNone);
    CHECK(work[2].message);
    CHECK(p.default_list == "work");
    CHECK(p.skipped.empty());
}

TEST_CASE("privacy: a list with an unreadable item is left out whole", "[import]") {
    const PrivacyResult p = convert_privacy(
        {row({{"list", "strict"}, {"type", "jid"}, {"value", "spam@example.com"}, {"deny", "1"}, {"order", "1"}}),
         row({{"list", "strict"}, {"type", "jid"}, {"value", "bad jid@@"}, {"deny", "1"}, {"order", "2"}}),
         row({{"list", "twice"}, {"type", std::nullopt}, {"deny", "1"}, {"order", "1"}}),
         row({{"list", "twice"}, {"type", std::nullopt}, {"deny", "0"}, {"order", "1"}}),
         row({{"list", "odd"}, {"type", "subscription"}, {"value", "sometimes"}, {"order", "1"}}),
         row({{"list", "neg"}, {"type", std::nullopt}, {"order", "-1"}}),
         row({{"list", "bits"}, {"type", std::nullopt}, {"block", "64"}}),
         row({{"list", "ok"}, {"type", std::nullopt}, {"deny", "1"}})},
        {row({{"default", "strict"}})});
    REQUIRE(p.lists.size() == 1);
    CHECK(p.lists[0].name == "ok");
    CHECK_FALSE(p.lists[0].items[0].allow);
    CHECK_FALSE(p.default_list);
    // five lists, and the default that named one of them
    CHECK(p.skipped.size() == 6);
}
