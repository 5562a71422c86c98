// XEP-0016 rule evaluation without a server: the stanza kinds an item
// covers, the four JID forms and their matching order, groups,
// subscriptions, the fall-through item, whole lists, and the <list/>
// syntax a client sends.
#include <catch.hpp>

#include "privacy_rules.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"
#include "xml_reader_util.hpp"

using jng::sm::allows;
using jng::sm::covers;
using jng::sm::Direction;
using jng::sm::item_matches;
using jng::sm::JidParts;
using jng::sm::jid_matches;
using jng::sm::parse_list;
using jng::sm::PrivacyLists;
using jng::sm::Traffic;
using jng::sm::traffic_of;
using jng::storage::PrivacyItem;
using jng::storage::PrivacyList;
using jng::storage::RosterItem;

namespace {

PrivacyItem jid_item(std::string value, bool allow, uint32_t order) {
    PrivacyItem i;
    i.type = PrivacyItem::Type::kJid;
    i.value = std::move(value);
    i.allow = allow;
    i.order = order;
    return i;
}

PrivacyItem fall_through(bool allow, uint32_t order) {
    PrivacyItem i;
    i.allow = allow;
    i.order = order;
    return i;
}

RosterItem contact(std::string jid, bool to, bool from, std::vector<std::string> groups = {}) {
    RosterItem r;
    r.jid = std::move(jid);
    r.to = to;
    r.from = from;
    r.groups = std::move(groups);
    return r;
}

// A <list/> as a client would send it.
jng::sm::ParsedList parsed(const std::string& items) {
    return parse_list(jng::test::must_parse("<list xmlns='jabber:iq:privacy' name='l'>" + items + "</list>"));
}

std::string problem_of(const std::string& items) {
    const auto p = parsed(items);
    return p.problem ? p.problem->condition : "";
}

}  // namespace

TEST_CASE("a JID splits into node, domain and resource without re-parsing") {
    const auto full = JidParts::of("juliet@example.com/balcony/with@and/");
    CHECK(full.node == "juliet");
    CHECK(full.domain == "example.com");
    CHECK(full.resource == "balcony/with@and/");
    const auto bare = JidParts::of("juliet@example.com");
    CHECK(bare.node == "juliet");
    CHECK(bare.resource.empty());
    const auto domain_resource = JidParts::of("example.com/a@b");
    CHECK(domain_resource.node.empty());
    CHECK(domain_resource.domain == "example.com");
    CHECK(domain_resource.resource == "a@b");
    CHECK(JidParts::of("example.com").domain == "example.com");
}

TEST_CASE("user@domain/resource matches only that resource") {
    CHECK(jid_matches("romeo@example.net/orchard", "romeo@example.net/orchard"));
    CHECK_FALSE(jid_matches("romeo@example.net/orchard", "romeo@example.net/garden"));
    CHECK_FALSE(jid_matches("romeo@example.net/orchard", "romeo@example.net"));
    CHECK_FALSE(jid_matches("romeo@example.net/orchard", "example.net/orchard"));
    CHECK_FALSE(jid_matches("romeo@example.net/orchard", "tybalt@example.net/orchard"));
}

TEST_CASE("user@domain matches the bare JID and any of its resources") {
    CHECK(jid_matches("romeo@example.net", "romeo@example.net"));
    CHECK(jid_matches("romeo@example.net", "romeo@example.net/orchard"));
    CHECK(jid_matches("romeo@example.net", "romeo@example.net/garden"));
    CHECK_FALSE(jid_matches("romeo@example.net", "tybalt@example.net"));
    CHECK_FALSE(jid_matches("romeo@example.net", "romeo@example.org/orchard"));
    CHECK_FALSE(jid_matches("romeo@example.net", "example.net"));
}

TEST_CASE("domain/resource matches that resource of the domain, at any node") {
    CHECK(jid_matches("example.net/bot", "example.net/bot"));
    CHECK(jid_matches("example.net/bot", "romeo@example.net/bot"));
    CHECK_FALSE(jid_matches("example.net/bot", "example.net/other"));
    CHECK_FALSE(jid_matches("example.net/bot", "example.net"));
    CHECK_FALSE(jid_matches("example.net/bot", "romeo@example.net"));
    CHECK_FALSE(jid_matches("example.net/bot", "example.org/bot"));
}

TEST_CASE("domain matches the domain, everything at it and its subdomains") {
    CHECK(jid_matches("example.net", "example.net"));
    CHECK(jid_matches("example.net", "example.net/bot"));
    CHECK(jid_matches("example.net", "romeo@example.net"));
    CHECK(jid_matches("example.net", "romeo@example.net/orchard"));
    CHECK(jid_matches("example.net", "conference.example.net"));
    CHECK(jid_matches("example.net", "room@conference.example.net/nick"));
    CHECK_FALSE(jid_matches("example.net", "badexample.net"));
    CHECK_FALSE(jid_matches("example.net", "example.org"));
    CHECK_FALSE(jid_matches("example.net", "example.net.evil.org"));
}

TEST_CASE("the most specific JID form wins only by coming first in order") {
    // XEP-0016 §2.1 lists the forms from full JID to domain; a list puts
    // the exception before the rule.
    PrivacyList list{"l", {jid_item("romeo@example.net/orchard", true, 1),
                           jid_item("romeo@example.net", false, 2),
                           jid_item("example.net/bot", true, 3), jid_item("example.net", false, 4)}};
    CHECK(allows(list, Traffic::kMessage, "romeo@example.net/orchard", nullptr));
    CHECK_FALSE(allows(list, Traffic::kMessage, "romeo@example.net/garden", nullptr));
    CHECK_FALSE(allows(list, Traffic::kMessage, "romeo@example.net", nullptr));
    CHECK(allows(list, Traffic::kMessage, "example.net/bot", nullptr));
    CHECK(allows(list, Traffic::kMessage, "mercutio@example.net/bot", nullptr));
    CHECK_FALSE(allows(list, Traffic::kMessage, "mercutio@example.net/home", nullptr));
    CHECK_FALSE(allows(list, Traffic::kMessage, "muc.example.net", nullptr));
    CHECK(allows(list, Traffic::kMessage, "juliet@example.org", nullptr));

    // The domain first: it decides for everyone there.
    PrivacyList domain_first{"l", {jid_item("example.net", false, 1),
                                   jid_item("romeo@example.net/orchard", true, 2)}};
    CHECK_FALSE(allows(domain_first, Traffic::kMessage, "romeo@example.net/orchard", nullptr));
}

TEST_CASE("group items match the peer's roster groups") {
    PrivacyItem enemies;
    enemies.type = PrivacyItem::Type::kGroup;
    enemies.value = "Enemies";
    const RosterItem tybalt = contact("tybalt@example.com", true, true, {"Capulets", "Enemies"});
    const RosterItem nurse = contact("nurse@example.com", true, true, {"Capulets"});
    CHECK(item_matches(enemies, "tybalt@example.com/sword", &tybalt));
    CHECK_FALSE(item_matches(enemies, "nurse@example.com", &nurse));
    CHECK_FALSE(item_matches(enemies, "stranger@example.com", nullptr));
    // Group names are compared exactly.
    enemies.value = "enemies";
    CHECK_FALSE(item_matches(enemies, "tybalt@example.com", &tybalt));
}

TEST_CASE("subscription items match the roster's subscription, none for strangers") {
    PrivacyItem sub;
    sub.type = PrivacyItem::Type::kSubscription;
    const RosterItem both = contact("a@x", true, true);
    const RosterItem to = contact("b@x", true, false);
    const RosterItem from = contact("c@x", false, true);
    const RosterItem none = contact("d@x", false, false);
    const std::vector<std::pair<std::string, const RosterItem*>> peers = {
        {"both", &both}, {"to", &to}, {"from", &from}, {"none", &none}};
    for (const std::string value : {"both", "to", "from", "none"}) {
        sub.value = value;
        for (const auto& [state, item] : peers) {
            INFO(value << " against " << state);
            CHECK(item_matches(sub, item->jid, item) == (value == state));
        }
    }
    sub.value = "none";
    CHECK(item_matches(sub, "stranger@x", nullptr));
    sub.value = "both";
    CHECK_FALSE(item_matches(sub, "stranger@x", nullptr));
}

TEST_CASE("the fall-through item matches everyone; without one, allow") {
    CHECK(item_matches(fall_through(false, 1), "anyone@anywhere/x", nullptr));
    CHECK(item_matches(fall_through(false, 1), "example.org", nullptr));
    PrivacyList whitelist{"l", {jid_item("juliet@example.com", true, 6), fall_through(false, 666)}};
    CHECK(allows(whitelist, Traffic::kMessage, "juliet@example.com/balcony", nullptr));
    CHECK_FALSE(allows(whitelist, Traffic::kMessage, "tybalt@example.com", nullptr));
    PrivacyList blacklist{"l", {jid_item("tybalt@example.com", false, 1)}};
    CHECK(allows(blacklist, Traffic::kIq, "juliet@example.com", nullptr));
    CHECK(allows(PrivacyList{"empty", {}}, Traffic::kMessage, "x@y", nullptr));
}

TEST_CASE("what kind of traffic a stanza is, each way") {
    CHECK(traffic_of(jng::test::must_parse("<message xmlns='jabber:client'/>"), Direction::kIn) ==
          Traffic::kMessage);
    CHECK(traffic_of(jng::test::must_parse("<iq xmlns='jabber:client' type='get'/>"), Direction::kIn) ==
          Traffic::kIq);
    CHECK(traffic_of(jng::test::must_parse("<presence xmlns='jabber:client'/>"), Direction::kIn) ==
          Traffic::kPresenceIn);
    CHECK(traffic_of(jng::test::must_parse("<presence xmlns='jabber:client' type='unavailable'/>"),
                     Direction::kIn) == Traffic::kPresenceIn);
    // Subscriptions and probes are not notifications (§2.10).
    for (const char* type : {"subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe"}) {
        const auto p = jng::test::must_parse(std::string("<presence xmlns='jabber:client' type='") + type + "'/>");
        CHECK(traffic_of(p, Direction::kIn) == Traffic::kOther);
        CHECK(traffic_of(p, Direction::kOut) == Traffic::kOther);
    }
    CHECK(traffic_of(jng::test::must_parse("<presence xmlns='jabber:client'/>"), Direction::kOut) ==
          Traffic::kPresenceOut);
    // Item kinds name inbound messages and iq only.
    CHECK(traffic_of(jng::test::must_parse("<message xmlns='jabber:client'/>"), Direction::kOut) ==
          Traffic::kOther);
    CHECK(traffic_of(jng::test::must_parse("<iq xmlns='jabber:client' type='set'/>"), Direction::kOut) ==
          Traffic::kOther);
}

TEST_CASE("an item covers the stanza kinds it names, or every kind when it names none") {
    const std::vector<Traffic> all = {Traffic::kMessage, Traffic::kIq, Traffic::kPresenceIn,
                                      Traffic::kPresenceOut, Traffic::kOther};
    PrivacyItem any = fall_through(false, 1);
    for (Traffic t : all) CHECK(covers(any, t));

    PrivacyItem message = any;
    message.message = true;
    PrivacyItem iq = any;
    iq.iq = true;
    PrivacyItem in = any;
    in.presence_in = true;
    PrivacyItem out = any;
    out.presence_out = true;
    const std::vector<std::pair<PrivacyItem, Traffic>> kinds = {{message, Traffic::kMessage},
                                                                {iq, Traffic::kIq},
                                                                {in, Traffic::kPresenceIn},
                                                                {out, Traffic::kPresenceOut}};
    for (const auto& [item, own] : kinds) {
        for (Traffic t : all) CHECK(covers(item, t) == (t == own));
    }
    PrivacyItem two = any;
    two.message = two.presence_in = true;
    CHECK(covers(two, Traffic::kMessage));
    CHECK(covers(two, Traffic::kPresenceIn));
    CHECK_FALSE(covers(two, Traffic::kIq));
    CHECK_FALSE(covers(two, Traffic::kOther));
}

TEST_CASE("a list applies its first covering, matching item by order") {
    auto list = parsed(
        "<item type='jid' value='tybalt@example.com' action='deny' order='3'><message/></item>"
        "<item type='jid' value='tybalt@example.com' action='allow' order='5'/>"
        "<item type='jid' value='tybalt@example.com' action='deny' order='1'>"
        "<presence-out/></item>"
        "<item action='deny' order='10'><iq/></item>");
    REQUIRE_FALSE(list.problem);
    const auto& l = list.list;
    CHECK_FALSE(allows(l, Traffic::kMessage, "tybalt@example.com/sword", nullptr));
    CHECK_FALSE(allows(l, Traffic::kPresenceOut, "tybalt@example.com", nullptr));
    CHECK(allows(l, Traffic::kPresenceIn, "tybalt@example.com", nullptr));
    CHECK(allows(l, Traffic::kIq, "tybalt@example.com", nullptr));
    CHECK_FALSE(allows(l, Traffic::kIq, "juliet@example.com", nullptr));
    CHECK(allows(l, Traffic::kMessage, "juliet@example.com", nullptr));
    CHECK(allows(l, Traffic::kOther, "juliet@example.com", nullptr));
}

TEST_CASE("a client's list is checked, normalized and sorted by order") {
    auto p = parsed(
        "<item type='subscription' value='none' action='deny' order='+20'/>"
        "<item type='jid' value='Romeo@Example.NET/Orchard' action='allow' order='7'/>"
        "<item type='group' value='Friends' action='allow' order='0'>"
        "<message/><iq/><presence-in/><presence-out/></item>"
        "<item action='deny' order='4294967295'/>");
    REQUIRE_FALSE(p.problem);
    REQUIRE(p.list.items.size() == 4);
    CHECK(p.list.name == "l");
    CHECK(p.list.items[0].order == 0);
    CHECK(p.list.items[0].type == PrivacyItem::Type::kGroup);
    CHECK((p.list.items[0].message && p.list.items[0].iq && p.list.items[0].presence_in &&
           p.list.items[0].presence_out));
    CHECK(p.list.items[1].value == "romeo@example.net/Orchard");
    CHECK(p.list.items[1].allow);
    CHECK(p.list.items[2].order == 20);
    CHECK(p.list.items[3].order == 4294967295u);
    CHECK(p.list.items[3].type == PrivacyItem::Type::kNone);

    // And written back as a client reads it.
    const auto back = parse_list(jng::sm::list_element(p.list, true));
    REQUIRE_FALSE(back.problem);
    CHECK(back.list == p.list);
    CHECK(jng::xml::to_string(jng::sm::item_element(p.list.items[1])) ==
          "<item xmlns='jabber:iq:privacy' type='jid' value='romeo@example.net/Orchard' "
          "action='allow' order='7'/>");
}

TEST_CASE("malformed items are refused") {
    CHECK(problem_of("<item action='allow' order='1'/>").empty());
    CHECK(problem_of("<item order='1'/>") == "bad-request");
    CHECK(problem_of("<item action='block' order='1'/>") == "bad-request");
    CHECK(problem_of("<item action='allow'/>") == "bad-request");
    CHECK(problem_of("<item action='allow' order='-1'/>") == "bad-request");
    CHECK(problem_of("<item action='allow' order='1.5'/>") == "bad-request");
    CHECK(problem_of("<item action='allow' order='4294967296'/>") == "bad-request");
    CHECK(problem_of("<item action='allow' order='1'/><item action='deny' order='1'/>") ==
          "bad-request");
    CHECK(problem_of("<item type='user' value='x' action='allow' order='1'/>") == "bad-request");
    CHECK(problem_of("<item type='jid' action='allow' order='1'/>") == "bad-request");
    CHECK(problem_of("<item type='jid' value='a@b@c' action='allow' order='1'/>") ==
          "bad-request");
    CHECK(problem_of("<item type='subscription' value='pending' action='allow' order='1'/>") ==
          "bad-request");
    CHECK(problem_of("<item type='group' value='' action='allow' order='1'/>") == "bad-request");
    CHECK(problem_of("<item value='x@y' action='allow' order='1'/>") == "bad-request");
    CHECK(problem_of("<item action='allow' order='1'><presence/></item>") == "bad-request");
    CHECK(problem_of("<item action='allow' order='1'><message xmlns='other'/></item>") ==
          "bad-request");
    CHECK(problem_of("<rule action='allow' order='1'/>") == "bad-request");
    CHECK(parse_list(jng::test::must_parse("<list xmlns='jabber:iq:privacy'><item action='allow' order='1'/>"
                             "</list>"))
              .problem->condition == "bad-request");
    std::string many;
    for (size_t i = 0; i <= jng::sm::kMaxListItems; ++i) {
        many += "<item action='allow' order='" + std::to_string(i) + "'/>";
    }
    CHECK(problem_of(many) == "policy-violation");
}

TEST_CASE("a user's lists: by name, replaced whole, and the default goes with its list") {
    PrivacyLists lists;
    lists.put(PrivacyList{"public", {fall_through(true, 1)}});
    lists.put(PrivacyList{"private", {fall_through(false, 1)}});
    lists.put(PrivacyList{"special", {fall_through(false, 2)}});
    REQUIRE(lists.lists.size() == 3);
    CHECK(lists.lists[0].name == "private");
    CHECK(lists.lists[2].name == "special");
    lists.put(PrivacyList{"public", {fall_through(false, 9)}});
    REQUIRE(lists.find("public"));
    CHECK(lists.find("public")->items.front().order == 9);
    CHECK(lists.find("nothing") == nullptr);
    lists.default_name = "public";
    lists.erase("private");
    CHECK(lists.default_name == "public");
    lists.erase("public");
    CHECK_FALSE(lists.default_name);
    CHECK(lists.lists.size() == 1);
}
