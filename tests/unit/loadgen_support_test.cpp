// The load generator's small pieces: the stanza marker, the record of
// messages under way, the loopback-only address rules, option parsing and
// the JSON writer.
#include <catch.hpp>

#include <netinet/in.h>

#include "address.hpp"
#include "json.hpp"
#include "options.hpp"
#include "outstanding.hpp"
#include "tag.hpp"

using namespace jng::loadgen;

TEST_CASE("a marker survives the round trip, padding and all") {
    const Tag t{281474976710655ULL, 4711, 12, 987654321012ULL};
    for (size_t pad : {0, 1, 100}) {
        const auto parsed = parse_tag(format_tag(t, pad));
        REQUIRE(parsed);
        CHECK(parsed->run == t.run);
        CHECK(parsed->sender == t.sender);
        CHECK(parsed->seq == t.seq);
        CHECK(parsed->sent_us == t.sent_us);
    }
}

TEST_CASE("a marker is appended after what the buffer holds") {
    std::string out = "<body>";
    append_tag(out, {1, 2, 3, 4}, 2);
    CHECK(out == "<body>lg 1 2 3 4 xx");
}

TEST_CASE("messages under way: each comes back once, in any order") {
    Outstanding o;
    for (uint64_t seq = 0; seq < 5; ++seq) o.add(seq);
    CHECK(o.size() == 5);
    CHECK(o.remove(2));
    CHECK_FALSE(o.remove(2));  // a duplicate
    CHECK(o.remove(0));
    CHECK(o.remove(1));
    CHECK_FALSE(o.remove(0));  // behind the window now
    CHECK_FALSE(o.remove(9));  // never sent
    CHECK(o.size() == 2);
    // One that never comes back keeps the others countable behind it.
    for (uint64_t seq = 5; seq < 1000; ++seq) o.add(seq);
    for (uint64_t seq = 4; seq < 1000; ++seq) REQUIRE(o.remove(seq));
    CHECK(o.size() == 1);
    CHECK(o.remove(3));
    CHECK(o.size() == 0);
    o.add(1000);
    CHECK(o.remove(1000));
    CHECK(o.size() == 0);
}

TEST_CASE("text that is not a marker is not taken for one") {
    for (const char* s : {"", "hello", "lg", "lg 1 2 3", "lg 1 2 3 x", "lg a b c d", "lg 1 2 3 4x",
                          "xlg 1 2 3 4"}) {
        INFO(s);
        CHECK_FALSE(parse_tag(s));
    }
}

TEST_CASE("only loopback targets are accepted") {
    CHECK(parse_target("127.0.0.1", 5222));
    CHECK(parse_target("127.4.5.6", 5222));
    CHECK(parse_target("::1", 5222));
    CHECK(parse_target("[::1]", 5222));
    CHECK(parse_target("localhost", 5222));
    CHECK_FALSE(parse_target("10.0.0.1", 5222));
    CHECK_FALSE(parse_target("192.168.1.1", 5222));
    CHECK_FALSE(parse_target("128.0.0.1", 5222));
    CHECK_FALSE(parse_target("::2", 5222));
    CHECK_FALSE(parse_target("::ffff:10.0.0.1", 5222));
    CHECK_FALSE(parse_target("example.com", 5222));
    CHECK(parse_target("127.0.0.1", 5222)->text == "127.0.0.1:5222");
}

TEST_CASE("source addresses: lists and ranges on loopback only") {
    auto r = parse_sources("127.0.0.1-127.0.0.20", AF_INET);
    REQUIRE(r);
    CHECK(r->size() == 20);
    CHECK(r->front().text == "127.0.0.1");
    CHECK(r->back().text == "127.0.0.20");
    auto across = parse_sources("127.0.0.250-127.0.1.5", AF_INET);
    REQUIRE(across);
    CHECK(across->size() == 12);
    auto list = parse_sources("127.0.0.2, 127.0.0.3", AF_INET);
    REQUIRE(list);
    CHECK(list->size() == 2);
    CHECK(parse_sources("", AF_INET)->empty());
    CHECK_FALSE(parse_sources("10.0.0.1", AF_INET));
    CHECK_FALSE(parse_sources("127.0.0.1-10.0.0.1", AF_INET));
    CHECK_FALSE(parse_sources("127.0.0.9-127.0.0.1", AF_INET));
    CHECK_FALSE(parse_sources("::1", AF_INET));
    CHECK(parse_sources("::1", AF_INET6));
    CHECK_FALSE(parse_sources("127.0.0.0-127.255.255.255", AF_INET));

    SourcePool pool(*parse_sources("127.0.0.1-127.0.0.3", AF_INET));
    CHECK(pool.next()->text == "127.0.0.1");
    CHECK(pool.next()->text == "127.0.0.2");
    CHECK(pool.next()->text == "127.0.0.3");
    CHECK(pool.next()->text == "127.0.0.1");
    SourcePool none({});
    CHECK(none.next() == nullptr);
}

namespace {
jng::Result<Options> parse(std::vector<std::string> args) {
    std::vector<char*> argv;
    static std::string prog = "loadgen";
    argv.push_back(prog.data());
    for (auto& a : args) argv.push_back(a.data());
    return parse_options(static_cast<int>(argv.size()), argv.data());
}
}  // namespace

TEST_CASE("options: scenario, values, bounds and refusals") {
    auto o = parse({"chat", "--users", "500", "--window=4", "--tls", "direct", "--shard", "1/4"});
    REQUIRE(o);
    CHECK(o->scenario == Scenario::kChat);
    CHECK(o->users == 500);
    CHECK(o->window == 4);
    CHECK(o->tls == TlsMode::kDirect);
    CHECK(o->port == 5223);  // the direct-TLS port unless one is given
    CHECK(o->shard.index == 1);
    CHECK(o->shard.count == 4);
    CHECK_FALSE(parse({"chat", "--host", "192.0.2.1"}));
    CHECK_FALSE(parse({"chat", "--shard", "4/4"}));
    CHECK_FALSE(parse({"chat", "--users", "0"}));
    CHECK_FALSE(parse({"chat", "--mech", "DIGEST-MD5"}));
    CHECK_FALSE(parse({"chat", "--frobnicate", "1"}));
    CHECK_FALSE(parse({"presence", "--contacts", "3"}));
    CHECK_FALSE(parse({"dance"}));
    CHECK(parse({"--help"}).message().starts_with("usage:"));
}

TEST_CASE("shards split the accounts evenly and completely") {
    size_t total = 0;
    std::string last;
    for (unsigned i = 0; i < 3; ++i) {
        auto o = parse({"login", "--users", "10", "--shard", std::to_string(i) + "/3"});
        REQUIRE(o);
        auto accounts = shard_accounts(*o);
        REQUIRE(accounts);
        total += accounts->size();
        CHECK(accounts->size() >= 3);
        last = accounts->back().node;
    }
    CHECK(total == 10);
    CHECK(last == "user9");
}

TEST_CASE("the JSON writer separates, nests and escapes") {
    JsonWriter w;
    w.begin_object();
    w.key("a").value(uint64_t{1});
    w.key("b").begin_array().value("x\"y").value(2.5).value(true).null().end_array();
    w.key("c").begin_object().end_object();
    w.key("d\n").value(-3);
    w.end_object();
    CHECK(w.str() == R"({"a":1,"b":["x\"y",2.5,true,null],"c":{},"d\n":-3})");
}
