// Rooms driven without a router: stanzas in, the stanzas the room sends
// out, checked as a conversation (XEP-0045 §7-§10).
#include <catch.hpp>
#include <set>

#include "muc_ns.hpp"
#include "ns.hpp"
#include "room.hpp"
#include "stanza.hpp"
#include "xml/stream_reader.hpp"
#include "xml_reader_util.hpp"

using namespace jng;
using namespace jng::muc;

namespace {

constexpr std::string_view kRoom = "coven@chat.shakespeare.lit";
constexpr std::string_view kCrone = "crone1@shakespeare.lit/desktop";
constexpr std::string_view kWitch = "wiccarocks@shakespeare.lit/laptop";
constexpr std::string_view kHag = "hag66@shakespeare.lit/pda";

class FakeHost final : public RoomHost {
public:
    void send(xml::Element stanza) override { sent.push_back(std::move(stanza)); }
    TimePoint now() const override { return clock; }
    const ServiceLimits& limits() const override { return service_limits; }
    bool is_service_admin(const Jid& user) const override {
        return admins.count(user.bare_str()) > 0;
    }
    Log& log() override { return logger; }

    // What went to `to`, in order, taken out of `sent`.
    std::vector<xml::Element> take(std::string_view to) {
        std::vector<xml::Element> out, rest;
        for (auto& e : sent) (e.attr("to") == to ? out : rest).push_back(std::move(e));
        sent = std::move(rest);
        return out;
    }

    std::vector<xml::Element> sent;
    TimePoint clock = SystemClock::from_time_t(1'700'000'000);
    ServiceLimits service_limits;
    std::set<std::string> admins;
    Log logger{"test", LogLevel::kError};
};

xml::Element client_stanza(std::string_view text) {
    xml::Element e = jng::test::must_parse(text);
    e.set_ns(std::string(jng::ns::kClient));
    return e;
}

Jid as_jid(std::string_view text) { return Jid::parse(text).value(); }

struct Harness {
    Harness() : room(host, as_jid(kRoom), RoomConfig{}, Room::State::kLocked, host.clock) {}

    void presence(std::string_view from, std::string_view nick, std::string_view extra = {},
                  std::string_view type = {}) {
        std::string text = "<presence xmlns='jabber:client' from='" + std::string(from) +
                           "' to='" + std::string(kRoom) + "/" + std::string(nick) + "'";
        if (!type.empty()) text += " type='" + std::string(type) + "'";
        text += ">" + std::string(extra) + "</presence>";
        const xml::Element p = client_stanza(text);
        room.handle_presence(p, as_jid(from), as_jid(p.attr("to")));
    }
    void join(std::string_view from, std::string_view nick, std::string_view extra = {}) {
        presence(from, nick, "<x xmlns='http://jabber.org/protocol/muc'>" + std::string(extra) + "</x>");
    }
    // As the router delivers them: with the sender's address.
    void message(std::string_view from, std::string_view xml) {
        xml::Element m = client_stanza(xml);
        m.set_attr("from", from);
        room.handle_message(m, as_jid(from), as_jid(m.attr("to")));
    }
    void iq(std::string_view from, std::string_view xml) {
        xml::Element i = client_stanza(xml);
        i.set_attr("from", from);
        room.handle_iq(i, as_jid(from), as_jid(i.attr("to")));
    }
    // The owner creates the room and makes it an instant room (§10.1.2).
    void instant(std::string_view owner = kCrone, std::string_view nick = "firstwitch") {
        const xml::Element p = client_stanza("<presence xmlns='jabber:client' from='" + std::string(owner) +
                                     "' to='" + std::string(kRoom) + "/" + std::string(nick) +
                                     "'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        room.create(p, as_jid(owner), std::string(nick));
        iq(owner, "<iq xmlns='jabber:client' type='set' id='create' to='" + std::string(kRoom) +
                      "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                      "<x xmlns='jabber:x:data' type='submit'/></query></iq>");
        host.sent.clear();
    }

    FakeHost host;
    Room room;
};

std::vector<std::string> statuses(const xml::Element& stanza) {
    std::vector<std::string> out;
    if (const xml::Element* x = stanza.child("x", muc::ns::kMucUser)) {
        for (const xml::Element& s : x->elements()) {
            if (s.name() == "status") out.emplace_back(s.attr("code"));
        }
    }
    return out;
}

const xml::Element& item_of(const xml::Element& stanza) {
    const xml::Element* x = stanza.child("x", muc::ns::kMucUser);
    REQUIRE(x);
    const xml::Element* item = x->child("item", muc::ns::kMucUser);
    REQUIRE(item);
    return *item;
}

using Codes = std::vector<std::string>;

}  // namespace

TEST_CASE("muc room: creating a room, locked until configured (§10.1)", "[muc][room]") {
    Harness h;
    const xml::Element p = client_stanza("<presence xmlns='jabber:client' from='" + std::string(kCrone) +
                                 "' to='coven@chat.shakespeare.lit/firstwitch'>"
                                 "<x xmlns='http://jabber.org/protocol/muc'/></presence>");
    h.room.create(p, as_jid(kCrone), "firstwitch");
    auto to_crone = h.host.take(kCrone);
    REQUIRE(to_crone.size() == 2);
    CHECK(to_crone[0].attr("from") == "coven@chat.shakespeare.lit/firstwitch");
    CHECK(statuses(to_crone[0]) == Codes{"201", "110"});
    CHECK(item_of(to_crone[0]).attr("affiliation") == "owner");
    CHECK(item_of(to_crone[0]).attr("role") == "moderator");
    CHECK(item_of(to_crone[0]).attr("jid") == kCrone);
    // The subject (none yet) ends the join.
    CHECK(to_crone[1].name() == "message");
    CHECK(to_crone[1].attr("from") == kRoom);
    REQUIRE(to_crone[1].child("subject"));
    CHECK(to_crone[1].child_text("subject").empty());

    // §7.2.11: nobody else gets in before the owner configured it.
    h.join(kWitch, "secondwitch");
    auto refused = h.host.take(kWitch);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].attr("type") == "error");
    CHECK(stanza::error_condition(refused[0]) == "item-not-found");
    CHECK(h.room.state() == Room::State::kLocked);

    // §10.1.3: the owner asks for the form, then submits it.
    h.iq(kCrone, "<iq xmlns='jabber:client' type='get' id='c1' to='coven@chat.shakespeare.lit'>"
                 "<query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
    auto form = h.host.take(kCrone);
    REQUIRE(form.size() == 1);
    CHECK(form[0].attr("type") == "result");
    REQUIRE(form[0].child("query", muc::ns::kMucOwner));
    CHECK(form[0].child("query", muc::ns::kMucOwner)->child("x", jng::ns::kDataForms));
    h.iq(kCrone,
         "<iq xmlns='jabber:client' type='set' id='c2' to='coven@chat.shakespeare.lit'>"
         "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' "
         "type='submit'><field var='muc#roomconfig_persistentroom'><value>1</value></field>"
         "</x></query></iq>");
    auto done = h.host.take(kCrone);
    REQUIRE(done.size() == 1);
    CHECK(done[0].attr("type") == "result");
    CHECK(h.room.state() == Room::State::kOpen);
    CHECK(h.room.config().persistent);
}

TEST_CASE("muc room: entering, presence and groupchat between occupants (§7.2, §7.4)",
          "[muc][room]") {
    Harness h;
    h.instant();
    h.join(kWitch, "secondwitch");
    // The newcomer: the owner's presence without a real JID (semi-anonymous,
    // §7.2.4), its own with one, then the subject.
    auto to_witch = h.host.take(kWitch);
    REQUIRE(to_witch.size() == 3);
    CHECK(to_witch[0].attr("from") == "coven@chat.shakespeare.lit/firstwitch");
    CHECK_FALSE(item_of(to_witch[0]).has_attr("jid"));
    CHECK(to_witch[1].attr("from") == "coven@chat.shakespeare.lit/secondwitch");
    CHECK(statuses(to_witch[1]) == Codes{"110"});
    CHECK(item_of(to_witch[1]).attr("role") == "participant");
    CHECK(item_of(to_witch[1]).attr("affiliation") == "none");
    CHECK(to_witch[2].child("subject"));

    // The moderator sees real JIDs.
    auto to_crone = h.host.take(kCrone);
    REQUIRE(to_crone.size() == 1);
    CHECK(item_of(to_crone[0]).attr("jid") == kWitch);
    h.join(kHag, "thirdwitch");
    h.host.sent.clear();
    h.message(kWitch, "<message xmlns='jabber:client' type='groupchat' id='g1' "
                      "to='coven@chat.shakespeare.lit'><body>Harpier cries</body></message>");
    for (std::string_view who : {kCrone, kWitch, kHag}) {
        auto got = h.host.sent;
        bool seen = false;
        for (const auto& m : got) {
            if (m.attr("to") != who) continue;
            CHECK(m.attr("from") == "coven@chat.shakespeare.lit/secondwitch");
            CHECK(m.attr("id") == "g1");
            CHECK(m.child_text("body") == "Harpier cries");
            seen = true;
        }
        CHECK(seen);
    }
    h.host.sent.clear();

    // §7.4: a stranger's message is refused, never reflected.
    h.message("stranger@example.com/x",
              "<message xmlns='jabber:client' type='groupchat' to='coven@chat.shakespeare.lit'>"
              "<body>spam</body></message>");
    REQUIRE(h.host.sent.size() == 1);
    CHECK(h.host.sent[0].attr("to") == "stranger@example.com/x");
    CHECK(stanza::error_condition(h.host.sent[0]) == "not-acceptable");
    h.host.sent.clear();

    // §7.2.9: a nick in use.
    h.join("other@example.com/y", "thirdwitch");
    auto conflict = h.host.take("other@example.com/y");
    REQUIRE(conflict.size() == 1);
    CHECK(conflict[0].attr("from") == "coven@chat.shakespeare.lit/thirdwitch");
    CHECK(stanza::error_condition(conflict[0]) == "conflict");
}

TEST_CASE("muc room: history for newcomers with a delay (§7.2.14)", "[muc][room]") {
    Harness h;
    h.instant();
    for (int i = 0; i < 3; ++i) {
        h.message(kCrone, "<message xmlns='jabber:client' type='groupchat' "
                          "to='coven@chat.shakespeare.lit'><body>m" +
                              std::to_string(i) + "</body></message>");
    }
    h.host.sent.clear();
    h.join(kWitch, "secondwitch", "<history maxstanzas='2'/>");
    auto got = h.host.take(kWitch);
    // Owner's presence, own presence, two messages of history, subject.
    REQUIRE(got.size() == 5);
    CHECK(got[2].child_text("body") == "m1");
    CHECK(got[3].child_text("body") == "m2");
    const xml::Element* delay = got[3].child("delay", jng::ns::kDelay);
    REQUIRE(delay);
    CHECK(delay->attr("from") == kRoom);
    CHECK(got[4].child("subject"));
}

TEST_CASE("muc room: kick, ban and the last owner (§8.2, §9.1, §10.4)", "[muc][room]") {
    Harness h;
    h.instant();
    h.join(kWitch, "secondwitch");
    h.host.sent.clear();

    // A participant may not kick.
    h.iq(kWitch, "<iq xmlns='jabber:client' type='set' id='k0' to='coven@chat.shakespeare.lit'>"
                 "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                 "<item nick='firstwitch' role='none'/></query></iq>");
    auto denied = h.host.take(kWitch);
    REQUIRE(denied.size() == 1);
    CHECK(stanza::error_condition(denied[0]) == "forbidden");

    h.iq(kCrone, "<iq xmlns='jabber:client' type='set' id='k1' to='coven@chat.shakespeare.lit'>"
                 "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                 "<item nick='secondwitch' role='none'><reason>Avaunt</reason></item>"
                 "</query></iq>");
    auto kicked = h.host.take(kWitch);
    REQUIRE(kicked.size() == 1);
    CHECK(kicked[0].attr("type") == "unavailable");
    CHECK(statuses(kicked[0]) == Codes{"307", "110"});
    CHECK(item_of(kicked[0]).child("actor", muc::ns::kMucUser)->attr("nick") == "firstwitch");
    CHECK(item_of(kicked[0]).child_text("reason", muc::ns::kMucUser) == "Avaunt");
    CHECK_FALSE(h.room.is_occupant(as_jid(kWitch)));

    // Banned (§9.1): removed with 301 and kept out.
    h.join(kWitch, "secondwitch");
    h.host.sent.clear();
    h.iq(kCrone, "<iq xmlns='jabber:client' type='set' id='b1' to='coven@chat.shakespeare.lit'>"
                 "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                 "<item affiliation='outcast' jid='wiccarocks@shakespeare.lit'/></query></iq>");
    auto banned = h.host.take(kWitch);
    REQUIRE(banned.size() == 1);
    CHECK(statuses(banned[0]) == Codes{"301", "110"});
    CHECK(item_of(banned[0]).attr("affiliation") == "outcast");
    h.join(kWitch, "secondwitch");
    auto out = h.host.take(kWitch);
    REQUIRE(out.size() == 1);
    CHECK(stanza::error_condition(out[0]) == "forbidden");

    // §10.4: the only owner cannot step down.
    h.host.sent.clear();
    h.iq(kCrone, "<iq xmlns='jabber:client' type='set' id='o1' to='coven@chat.shakespeare.lit'>"
                 "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                 "<item affiliation='member' jid='crone1@shakespeare.lit'/></query></iq>");
    auto last = h.host.take(kCrone);
    REQUIRE(last.size() == 1);
    CHECK(stanza::error_condition(last[0]) == "conflict");
    CHECK(h.room.stored_affiliation("crone1@shakespeare.lit") == Affiliation::kOwner);
}

TEST_CASE("muc room: members-only and password rooms keep outsiders out (§7.2.6, §7.2.7)",
          "[muc][room]") {
    Harness h;
    h.instant();
    h.iq(kCrone,
         "<iq xmlns='jabber:client' type='set' id='c' to='coven@chat.shakespeare.lit'>"
         "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' "
         "type='submit'><field var='muc#roomconfig_membersonly'><value>1</value></field>"
         "<field var='muc#roomconfig_roomsecret'><value>cauldron</value></field></x>"
         "</query></iq>");
    h.host.sent.clear();
    h.join(kWitch, "secondwitch", "<password>cauldron</password>");
    auto refused = h.host.take(kWitch);
    REQUIRE(refused.size() == 1);
    CHECK(stanza::error_condition(refused[0]) == "registration-required");
    CHECK(refused[0].child("error")->attr("type") == "auth");

    h.iq(kCrone, "<iq xmlns='jabber:client' type='set' id='m' to='coven@chat.shakespeare.lit'>"
                 "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                 "<item affiliation='member' jid='wiccarocks@shakespeare.lit'/></query></iq>");
    h.join(kWitch, "secondwitch", "<password>wrong</password>");
    auto wrong = h.host.take(kWitch);
    REQUIRE(wrong.size() == 1);
    CHECK(stanza::error_condition(wrong[0]) == "not-authorized");
    h.join(kWitch, "secondwitch", "<password>cauldron</password>");
    CHECK(h.room.is_occupant(as_jid(kWitch)));
    CHECK(h.room.revision() > 0);
}

TEST_CASE("muc room: a service shutdown says 332 to every occupant", "[muc][room]") {
    Harness h;
    h.instant();
    h.join(kWitch, "secondwitch");
    h.host.sent.clear();
    h.room.shutdown();
    // Each occupant hears of its own exit only.
    for (std::string_view who : {kCrone, kWitch}) {
        auto got = h.host.take(who);
        REQUIRE(got.size() == 1);
        CHECK(got[0].attr("type") == "unavailable");
        CHECK(got[0].attr("from") == (who == kCrone ? "coven@chat.shakespeare.lit/firstwitch"
                                                    : "coven@chat.shakespeare.lit/secondwitch"));
        CHECK(statuses(got[0]) == Codes{"332", "110"});
    }
    CHECK(h.host.sent.empty());
    CHECK(h.room.occupant_count() == 0);
}
