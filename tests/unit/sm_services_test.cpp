// The pure rules of the sm's service modules: XEP-0082 dates and times
// (vacation periods, entity time), the vacation payload and period, and the
// announce resources and message-of-the-day bookkeeping.
#include <catch.hpp>

#include "announce.hpp"
#include "datetime.hpp"
#include "vacation.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"
#include "xml_reader_util.hpp"

using jng::sm::format_datetime;
using jng::sm::format_tzo;
using jng::sm::parse_datetime;
using jng::test::must_parse;
namespace announce = jng::sm::announce;
namespace vacation = jng::sm::vacation;

namespace {


// 2003-07-06T10:30:00Z, XEP-0109's example day.
constexpr int64_t kJuly6 = 1057487400;

}  // namespace

// ---- XEP-0082 ------------------------------------------------------------

TEST_CASE("DateTime in UTC, with fractions and with offsets") {
    CHECK(parse_datetime("1970-01-01T00:00:00Z") == 0);
    CHECK(parse_datetime("2003-07-06T10:30:00Z") == kJuly6);
    CHECK(parse_datetime("2003-07-06T10:30:00.123Z") == kJuly6);
    CHECK(parse_datetime("2003-07-06T10:30:00.123456789Z") == kJuly6);
    // XEP-0082 §3.2: the offset is what local time is ahead of UTC.
    CHECK(parse_datetime("2003-07-06T20:30:00+10:00") == kJuly6);
    CHECK(parse_datetime("2003-07-06T05:00:00-05:30") == kJuly6);
    CHECK(parse_datetime("2003-07-06T10:30:00+00:00") == kJuly6);
    CHECK(parse_datetime("2003-07-06T10:30:00-00:00") == kJuly6);
}

TEST_CASE("the legacy XEP-0091 stamp is UTC") {
    CHECK(parse_datetime("20030706T10:30:00") == kJuly6);
    CHECK_FALSE(parse_datetime("20030706T10:30:00Z"));
    CHECK_FALSE(parse_datetime("20031306T10:30:00"));
}

TEST_CASE("leap years and month lengths") {
    CHECK(parse_datetime("2024-02-29T00:00:00Z") == 1709164800);
    CHECK(parse_datetime("2000-02-29T00:00:00Z") == 951782400);
    CHECK_FALSE(parse_datetime("2023-02-29T00:00:00Z"));
    CHECK_FALSE(parse_datetime("1900-02-29T00:00:00Z"));
    CHECK_FALSE(parse_datetime("2023-04-31T00:00:00Z"));
    CHECK(parse_datetime("2023-12-31T23:59:59Z") == 1704067199);
}

TEST_CASE("what is not a DateTime") {
    for (const char* bad : {
             "",
             "2003-07-06",                  // a Date, not a DateTime
             "10:30:00",                    // a Time
             "2003-07-06T10:30:00",         // no time zone
             "2003-07-06 10:30:00Z",        // space for T
             "2003-7-06T10:30:00Z",         // one-digit month
             "03-07-06T10:30:00Z",          // two-digit year
             "2003-07-06T10:30Z",           // no seconds
             "2003-07-06T10:30:00.Z",       // a dot without digits
             "2003-07-06T10:30:00+1000",    // offset without colon
             "2003-07-06T10:30:00+10",      // offset without minutes
             "2003-07-06T10:30:00+24:00",   // no such offset
             "2003-07-06T10:30:00ZZ",       // trailing text
             "2003-07-06T10:30:00Z ",       // trailing space
             "2003-00-06T10:30:00Z",        // month 0
             "2003-07-00T10:30:00Z",        // day 0
             "2003-07-06T24:00:00Z",        // hour 24
             "2003-07-06T10:60:00Z",        // minute 60
             "2003-07-06T10:30:60Z",        // second 60
             "2003-07-06T1a:30:00Z",        // not a digit
             "+2003-07-06T10:30:00Z",
             "1969-12-31T23:59:59Z",        // before the epoch
             "1970-01-01T00:30:00+01:00",   // before the epoch, by its offset
         }) {
        INFO(bad);
        CHECK_FALSE(parse_datetime(bad));
    }
}

TEST_CASE("DateTime out, and back in") {
    CHECK(format_datetime(0) == "1970-01-01T00:00:00Z");
    CHECK(format_datetime(kJuly6) == "2003-07-06T10:30:00Z");
    CHECK(format_datetime(1709164800) == "2024-02-29T00:00:00Z");
    for (int64_t t : {int64_t{0}, kJuly6, int64_t{1709164799}, int64_t{4102444800}}) {
        CHECK(parse_datetime(format_datetime(t)) == t);
    }
}

TEST_CASE("time zone offsets for XEP-0202") {
    CHECK(format_tzo(0) == "+00:00");
    CHECK(format_tzo(3600) == "+01:00");
    CHECK(format_tzo(-6 * 3600) == "-06:00");
    CHECK(format_tzo(5 * 3600 + 1800) == "+05:30");
    CHECK(format_tzo(-(9 * 3600 + 1800)) == "-09:30");
}

// ---- vacation ------------------------------------------------------------

TEST_CASE("a vacation period runs from its start until before its end") {
    const jng::storage::Vacation v{100, 200, "away"};
    CHECK_FALSE(vacation::active(v, 99));
    CHECK(vacation::active(v, 100));
    CHECK(vacation::active(v, 199));
    CHECK_FALSE(vacation::active(v, 200));
    // Open sides: from the beginning, or without end.
    CHECK(vacation::active({0, 200, "away"}, 0));
    CHECK_FALSE(vacation::active({0, 200, "away"}, 300));
    CHECK_FALSE(vacation::active({100, 0, "away"}, 50));
    CHECK(vacation::active({100, 0, "away"}, 1'000'000'000'000));
    CHECK(vacation::active({0, 0, "away"}, 12345));
}

TEST_CASE("a vacation set with start, end and message") {
    auto r = vacation::read_request(must_parse(
        "<query xmlns='http://jabber.org/protocol/vacation'>"
        "<start>2003-07-06T10:30:00Z</start><end>2003-07-13T20:30:00+10:00</end>"
        "<message>I'm on vacation.</message></query>"));
    REQUIRE(r);
    REQUIRE(*r);
    CHECK((*r)->start == kJuly6);
    CHECK((*r)->end == kJuly6 + 7 * 86400);
    CHECK((*r)->message == "I'm on vacation.");
}

TEST_CASE("empty or absent start and end leave the period open") {
    auto r = vacation::read_request(must_parse("<query xmlns='http://jabber.org/protocol/vacation'>"
                                        "<start/><end/><message>away</message></query>"));
    REQUIRE(r);
    REQUIRE(*r);
    CHECK(**r == jng::storage::Vacation{0, 0, "away"});
    r = vacation::read_request(
        must_parse("<query xmlns='http://jabber.org/protocol/vacation'><message>away</message></query>"));
    REQUIRE(r);
    CHECK(**r == jng::storage::Vacation{0, 0, "away"});
}

TEST_CASE("an empty vacation query removes the settings") {
    auto r = vacation::read_request(must_parse("<query xmlns='http://jabber.org/protocol/vacation'/>"));
    REQUIRE(r);
    CHECK_FALSE(*r);
}

TEST_CASE("vacation sets that are refused") {
    for (const char* bad : {
             // A bad time.
             "<query xmlns='http://jabber.org/protocol/vacation'><start>tomorrow</start>"
             "<message>away</message></query>",
             "<query xmlns='http://jabber.org/protocol/vacation'><end>2003-07-06</end>"
             "<message>away</message></query>",
             // The end before the start, or at it.
             "<query xmlns='http://jabber.org/protocol/vacation'>"
             "<start>2003-07-06T10:30:00Z</start><end>2003-07-06T10:29:59Z</end>"
             "<message>away</message></query>",
             "<query xmlns='http://jabber.org/protocol/vacation'>"
             "<start>2003-07-06T10:30:00Z</start><end>2003-07-06T10:30:00Z</end>"
             "<message>away</message></query>",
             // No message, or an empty one.
             "<query xmlns='http://jabber.org/protocol/vacation'><start/><end/></query>",
             "<query xmlns='http://jabber.org/protocol/vacation'><message/></query>",
             // A message in another namespace is not ours.
             "<query xmlns='http://jabber.org/protocol/vacation'><message xmlns='urn:other'>x"
             "</message></query>",
         }) {
        INFO(bad);
        auto r = vacation::read_request(must_parse(bad));
        CHECK_FALSE(r);
    }
    const std::string long_message(vacation::kMaxMessageBytes + 1, 'x');
    auto r = vacation::read_request(must_parse("<query xmlns='http://jabber.org/protocol/vacation'>"
                                        "<message>" + long_message + "</message></query>"));
    CHECK_FALSE(r);
}

TEST_CASE("vacation settings written for a get") {
    using jng::xml::to_string;
    CHECK(to_string(vacation::to_query(std::nullopt)) ==
          "<query xmlns='http://jabber.org/protocol/vacation'/>");
    CHECK(to_string(vacation::to_query(jng::storage::Vacation{kJuly6, 0, "a < b"})) ==
          "<query xmlns='http://jabber.org/protocol/vacation'>"
          "<start>2003-07-06T10:30:00Z</start><end/><message>a &lt; b</message></query>");
    // What a get returns, a set takes back unchanged.
    const jng::storage::Vacation v{kJuly6, kJuly6 + 3600, "back at eleven"};
    auto again = vacation::read_request(vacation::to_query(v));
    REQUIRE(again);
    CHECK(**again == v);
}

// ---- announce ------------------------------------------------------------

TEST_CASE("announcement resources") {
    using T = announce::Target;
    CHECK(announce::target("announce/online") == T::kOnline);
    CHECK(announce::target("announce/motd") == T::kMotd);
    CHECK(announce::target("announce") == T::kMotd);  // jabberd2's name
    CHECK(announce::target("announce/motd/update") == T::kMotdUpdate);
    CHECK(announce::target("announce/motd/delete") == T::kMotdDelete);
    CHECK(announce::target("announce/all") == T::kUnknown);
    CHECK(announce::target("announce/online/") == T::kUnknown);
    CHECK(announce::target("announce/motd/") == T::kUnknown);
    CHECK(announce::target("") == T::kNone);
    CHECK(announce::target("announcer") == T::kNone);
    CHECK(announce::target("Announce/online") == T::kNone);
    CHECK(announce::target("admin") == T::kNone);
}

TEST_CASE("a user is due a message of the day newer than the last one they got") {
    CHECK(announce::due(100, std::nullopt));
    CHECK(announce::due(100, 99));
    CHECK_FALSE(announce::due(100, 100));
    CHECK_FALSE(announce::due(100, 101));
}

TEST_CASE("each new message of the day is newer than the one before") {
    CHECK(announce::next_time(1000, std::nullopt) == 1000);
    CHECK(announce::next_time(1000, 900) == 1000);
    // Set twice within a second, or after the clock stepped back.
    CHECK(announce::next_time(1000, 1000) == 1001);
    CHECK(announce::next_time(1000, 1005) == 1006);
    // A user who got the first one is due the second.
    const int64_t first = announce::next_time(1000, std::nullopt);
    const int64_t second = announce::next_time(1000, first);
    CHECK(announce::due(second, first));
}
