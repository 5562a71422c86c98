// Discussion history (XEP-0045 §7.2.15): what a newcomer gets for each
// combination of maxstanzas, maxchars, seconds and since.
#include <catch.hpp>

#include "history.hpp"
#include "ns.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

using namespace jng;
using namespace jng::muc;
using std::chrono::seconds;

namespace {

constexpr std::string_view kHistoryRoom = "coven@chat.shakespeare.lit";

xml::Element message(std::string_view body) {
    xml::Element m("message", jng::ns::kClient);
    m.set_attr("from", std::string(kHistoryRoom) + "/firstwitch");
    m.set_attr("type", "groupchat");
    m.add_text_child("body", body);
    return m;
}

// Five messages, one every ten seconds from t0: "m0" … "m4".
struct FiveMessages {
    FiveMessages() {
        for (int i = 0; i < 5; ++i) {
            history.add(message("m" + std::to_string(i)), t0 + seconds(10 * i), kHistoryRoom);
        }
    }
    std::vector<std::string> bodies(const HistoryRequest& r, TimePoint now) const {
        std::vector<std::string> out;
        for (const HistoryEntry* e : history.select(r, now)) out.push_back(e->message.child_text("body"));
        return out;
    }
    const TimePoint t0 = SystemClock::from_time_t(1'000'000'000);
    const TimePoint now = t0 + seconds(45);
    History history{20};
};

using Bodies = std::vector<std::string>;

}  // namespace

TEST_CASE("muc history: without limits, everything kept, oldest first", "[muc][history]") {
    FiveMessages f;
    CHECK(f.bodies({}, f.now) == Bodies{"m0", "m1", "m2", "m3", "m4"});
}

TEST_CASE("muc history: maxstanzas", "[muc][history]") {
    FiveMessages f;
    HistoryRequest r;
    r.max_stanzas = 2;
    CHECK(f.bodies(r, f.now) == Bodies{"m3", "m4"});
    r.max_stanzas = 0;
    CHECK(f.bodies(r, f.now).empty());
    r.max_stanzas = 99;
    CHECK(f.bodies(r, f.now).size() == 5);
}

TEST_CASE("muc history: maxchars counts whole stanzas as sent", "[muc][history]") {
    FiveMessages f;
    const auto all = f.history.select({}, f.now);
    REQUIRE(all.size() == 5);
    // The count is of the stanza with its <delay/>, in characters.
    const std::string sent = xml::to_string(History::delayed(*all.back(), kHistoryRoom));
    CHECK(all.back()->chars == sent.size());
    HistoryRequest r;
    r.max_chars = 0;
    CHECK(f.bodies(r, f.now).empty());  // §7.2.15: maxchars='0' asks for none
    r.max_chars = all.back()->chars;
    CHECK(f.bodies(r, f.now) == Bodies{"m4"});
    r.max_chars = all[3]->chars + all[4]->chars - 1;
    CHECK(f.bodies(r, f.now) == Bodies{"m4"});
    r.max_chars = all[3]->chars + all[4]->chars;
    CHECK(f.bodies(r, f.now) == Bodies{"m3", "m4"});

    // Characters, not bytes.
    History h;
    h.add(message("日本語"), f.t0, kHistoryRoom);
    h.add(message("abc"), f.t0, kHistoryRoom);
    const auto both = h.select({}, f.now);
    CHECK(both[0]->chars == both[1]->chars);
}

TEST_CASE("muc history: seconds and since", "[muc][history]") {
    FiveMessages f;  // messages at t0+0, 10, 20, 30, 40; now is t0+45
    HistoryRequest r;
    r.seconds = seconds(20);
    CHECK(f.bodies(r, f.now) == Bodies{"m3", "m4"});
    r.seconds = seconds(25);
    CHECK(f.bodies(r, f.now) == Bodies{"m2", "m3", "m4"});
    r.seconds = seconds(0);
    CHECK(f.bodies(r, f.now).empty());

    HistoryRequest s;
    s.since = f.t0 + seconds(20);
    CHECK(f.bodies(s, f.now) == Bodies{"m2", "m3", "m4"});
    s.since = f.t0 + seconds(21);
    CHECK(f.bodies(s, f.now) == Bodies{"m3", "m4"});
    s.since = f.t0 + seconds(60);
    CHECK(f.bodies(s, f.now).empty());
}

TEST_CASE("muc history: several limits together send the least", "[muc][history]") {
    FiveMessages f;
    HistoryRequest r;
    r.max_stanzas = 3;
    r.seconds = seconds(20);
    CHECK(f.bodies(r, f.now) == Bodies{"m3", "m4"});
    r.seconds = seconds(100);
    CHECK(f.bodies(r, f.now) == Bodies{"m2", "m3", "m4"});
    r.since = f.t0 + seconds(30);
    CHECK(f.bodies(r, f.now) == Bodies{"m3", "m4"});
    r.max_chars = f.history.select({}, f.now).back()->chars;
    CHECK(f.bodies(r, f.now) == Bodies{"m4"});
}

TEST_CASE("muc history: capacity keeps the newest", "[muc][history]") {
    FiveMessages f;
    f.history.set_capacity(3);
    CHECK(f.bodies({}, f.now) == Bodies{"m2", "m3", "m4"});
    f.history.add(message("m5"), f.now, kHistoryRoom);
    CHECK(f.bodies({}, f.now) == Bodies{"m3", "m4", "m5"});
    History none(0);
    none.add(message("x"), f.now, kHistoryRoom);
    CHECK(none.size() == 0);
}

TEST_CASE("muc history: sent with a delay from the room (XEP-0203)", "[muc][history]") {
    FiveMessages f;
    const auto all = f.history.select({}, f.now);
    const xml::Element sent = History::delayed(*all.front(), kHistoryRoom);
    const xml::Element* delay = sent.child("delay", jng::ns::kDelay);
    REQUIRE(delay);
    CHECK(delay->attr("from") == kHistoryRoom);
    CHECK(delay->attr("stamp") == "2001-09-09T01:46:40Z");
    CHECK(sent.child_text("body") == "m0");
    CHECK(all.front()->message.child("delay", jng::ns::kDelay) == nullptr);  // kept without
}

TEST_CASE("muc history: the <history/> request and XEP-0082 times", "[muc][history]") {
    auto parse = [](std::string_view text) {
        auto e = xml::parse_element(text);
        REQUIRE(e.has_value());
        return parse_history(&*e);
    };
    auto r = parse("<history xmlns='http://jabber.org/protocol/muc' maxchars='65000' "
                   "maxstanzas='20' seconds='180' since='1970-01-01T00:00:00Z'/>");
    REQUIRE(r.ok());
    CHECK(r->max_chars == 65000u);
    CHECK(r->max_stanzas == 20u);
    CHECK(r->seconds == seconds(180));
    CHECK(r->since == SystemClock::from_time_t(0));
    auto empty = parse_history(nullptr);
    REQUIRE(empty.ok());
    CHECK_FALSE(empty->max_chars.has_value());
    CHECK_FALSE(parse("<history maxstanzas='-1'/>").ok());
    CHECK_FALSE(parse("<history maxchars='many'/>").ok());
    CHECK_FALSE(parse("<history since='yesterday'/>").ok());

    const TimePoint t = SystemClock::from_time_t(1'031'699'305);  // 2002-09-10T23:08:25Z
    CHECK(parse_datetime("2002-09-10T23:08:25Z") == t);
    CHECK(parse_datetime("2002-09-10T23:08:25.123Z") == t);
    CHECK(parse_datetime("2002-09-11T01:08:25+02:00") == t);
    CHECK(parse_datetime("2002-09-10T18:08:25-05:00") == t);
    CHECK(format_datetime(t) == "2002-09-10T23:08:25Z");
    for (std::string_view bad : {"", "2002-09-10", "2002-09-10T23:08:25", "2002-13-10T23:08:25Z",
                                 "2002-09-10T23:08:25Zjunk", "2002-09-10 23:08:25Z",
                                 "2002-09-10T23:08:25.Z"}) {
        INFO(bad);
        CHECK_FALSE(parse_datetime(bad).has_value());
    }
}
