// The resolver component without a router: requests handed in, replies
// captured, DNS scripted. Shared lookups, the cache, overrides, literals,
// the deadline, and every kind of bad request.
#include <catch.hpp>

#include "ns.hpp"
#include "resolver_fake_dns.hpp"
#include "service.hpp"
#include "stanza.hpp"

using namespace jng;
using namespace jng::resolver;
using jng::resolver::test::FakeDns;

namespace {

struct Harness {
    explicit Harness(ResolverConfig config = {}) {
        auto fake = std::make_unique<FakeDns>();
        dns = fake.get();
        service = std::make_unique<Service>(
            loop, log, std::move(config), std::move(fake), [this] { return now; },
            [](uint32_t) -> uint32_t { return 0; });
        service->set_sender([this](const xml::Element& e) { sent.push_back(e); });
    }

    void ask(std::string_view domain, std::string_view id, std::string_view from = "s2s") {
        xml::Element iq("iq", ns::kClient);
        iq.set_attr("type", "get").set_attr("from", from).set_attr("to", "resolver").set_attr("id", id);
        iq.add("resolve", ns::kResolver).set_attr("domain", domain);
        service->handle(std::move(iq));
    }

    // Lets DNS answer, then the loop run for `ms` (timers, deferred work).
    void settle(int ms = 10) {
        dns->run();
        net::Timer stop(loop, [this] { loop.stop(); });
        stop.start(std::chrono::milliseconds(ms));
        loop.run();
    }

    const xml::Element& reply(std::string_view id) const {
        for (const auto& e : sent) {
            if (e.attr("id") == id) return e;
        }
        FAIL("no reply with id " << id);
        return sent.front();
    }

    std::vector<std::string> addresses(std::string_view id) const {
        std::vector<std::string> out;
        if (const xml::Element* r = reply(id).child("resolve", ns::kResolver)) {
            for (const xml::Element& t : r->elements()) out.push_back(std::string(t.attr("address")));
        }
        return out;
    }

    net::Loop loop;
    Log log{"test", LogLevel::kError};
    std::chrono::steady_clock::time_point now{};
    FakeDns* dns = nullptr;
    std::vector<xml::Element> sent;
    std::unique_ptr<Service> service;
};

void publish_example(FakeDns& dns) {
    dns.set_srv("_xmpp-server._tcp.example.org", {FakeDns::record(1, 0, 5269, "x.example.org", 300)});
    dns.set_host("x.example.org", {"192.0.2.1"}, {}, 300);
}

}  // namespace

TEST_CASE("requests for one domain share one lookup, and the answer is cached") {
    Harness h;
    publish_example(*h.dns);
    h.ask("example.org", "r1");
    h.ask("Example.ORG", "r2");
    CHECK(h.service->pending_lookups() == 1);
    h.settle();
    CHECK(h.dns->count("SRV _xmpp-server._tcp.example.org") == 1);
    REQUIRE(h.sent.size() == 2);
    CHECK(h.reply("r1").attr("type") == "result");
    CHECK(h.reply("r1").attr("to") == "s2s");
    CHECK(h.reply("r1").child("resolve", ns::kResolver)->attr("domain") == "example.org");
    CHECK(h.addresses("r2") == std::vector<std::string>{"192.0.2.1"});
    CHECK(h.service->pending_lookups() == 0);

    const size_t queries = h.dns->asked.size();
    h.now += std::chrono::seconds(299);
    h.ask("example.org", "r3");
    CHECK(h.addresses("r3") == std::vector<std::string>{"192.0.2.1"});
    CHECK(h.dns->asked.size() == queries);

    h.now += std::chrono::seconds(1);  // the TTL is over
    h.ask("example.org", "r4");
    h.settle();
    CHECK(h.dns->asked.size() == queries * 2);
}

TEST_CASE("negative answers are cached too") {
    Harness h;
    h.ask("nx.example", "r1");
    h.settle();
    CHECK(stanza::error_condition(h.reply("r1")) == "remote-server-not-found");
    const size_t queries = h.dns->asked.size();
    h.ask("nx.example", "r2");
    CHECK(stanza::error_condition(h.reply("r2")) == "remote-server-not-found");
    CHECK(h.dns->asked.size() == queries);
}

TEST_CASE("overrides and IP literals are answered without DNS") {
    ResolverConfig c;
    c.overrides["b.test"] = {Target{"127.0.0.2", "127.0.0.2", 5269, Tls::kStartTls}};
    Harness h(c);
    h.ask("b.test", "r1");
    h.ask("[::1]", "r2");
    h.ask("192.0.2.5", "r3");
    CHECK(h.dns->asked.empty());
    CHECK(h.addresses("r1") == std::vector<std::string>{"127.0.0.2"});
    CHECK(h.addresses("r2") == std::vector<std::string>{"::1"});
    const xml::Element* t = h.reply("r3").child("resolve", ns::kResolver)->first_element();
    REQUIRE(t);
    CHECK(t->attr("host") == "192.0.2.5");
    CHECK(t->attr("port") == "5269");
    CHECK(t->attr("tls") == "starttls");
}

TEST_CASE("internationalized domains are asked in ASCII and answered as asked") {
    Harness h;
    h.dns->set_host("xn--bcher-kva.example", {"192.0.2.8"}, {});
    h.ask("bücher.example", "r1");
    h.settle();
    CHECK(h.dns->count("SRV _xmpp-server._tcp.xn--bcher-kva.example") == 1);
    CHECK(h.reply("r1").child("resolve", ns::kResolver)->attr("domain") == "bücher.example");
    CHECK(h.addresses("r1") == std::vector<std::string>{"192.0.2.8"});
}

TEST_CASE("a DNS server that never answers gives a timeout at the deadline") {
    ResolverConfig c;
    c.lookup_timeout = std::chrono::milliseconds(50);
    Harness h(c);
    h.dns->silent = true;
    h.ask("dead.example", "r1");
    h.ask("dead.example", "r2");
    h.settle(20);
    CHECK(h.sent.empty());
    h.settle(100);
    REQUIRE(h.sent.size() == 2);
    CHECK(stanza::error_condition(h.reply("r1")) == "remote-server-timeout");
    CHECK(stanza::error_condition(h.reply("r2")) == "remote-server-timeout");
    CHECK(h.service->pending_lookups() == 0);
}

TEST_CASE("too many waiting requests are refused") {
    ResolverConfig c;
    c.max_pending = 2;
    Harness h(c);
    h.dns->silent = true;
    h.ask("a.example", "r1");
    h.ask("a.example", "r2");
    h.ask("b.example", "r3");
    REQUIRE(h.sent.size() == 1);
    CHECK(stanza::error_condition(h.reply("r3")) == "resource-constraint");
}

TEST_CASE("bad requests") {
    Harness h;
    SECTION("from a user") {
        h.ask("example.org", "r1", "alice@localhost/phone");
        CHECK(stanza::error_condition(h.reply("r1")) == "forbidden");
    }
    SECTION("an invalid domain") {
        h.ask("bad..domain", "r1");
        h.ask("", "r2");
        h.ask("under_score.example", "r3");
        CHECK(stanza::error_condition(h.reply("r1")) == "bad-request");
        CHECK(stanza::error_condition(h.reply("r2")) == "bad-request");
        CHECK(stanza::error_condition(h.reply("r3")) == "bad-request");
        CHECK(h.dns->asked.empty());
    }
    SECTION("a set, an unknown payload, a malformed iq") {
        xml::Element set("iq", ns::kClient);
        set.set_attr("type", "set").set_attr("from", "s2s").set_attr("to", "resolver").set_attr("id", "s");
        set.add("resolve", ns::kResolver).set_attr("domain", "example.org");
        h.service->handle(xml::Element(set));
        CHECK(stanza::error_condition(h.reply("s")) == "bad-request");

        xml::Element other = set;
        other.set_attr("type", "get").set_attr("id", "o");
        other.clear_children();
        other.add("query", "jabber:iq:version");
        h.service->handle(std::move(other));
        CHECK(stanza::error_condition(h.reply("o")) == "service-unavailable");

        xml::Element empty = set;
        empty.set_attr("type", "get").set_attr("id", "e");
        empty.clear_children();
        h.service->handle(std::move(empty));
        CHECK(stanza::error_condition(h.reply("e")) == "bad-request");
    }
    SECTION("results, errors, messages and presence are not answered") {
        xml::Element result("iq", ns::kClient);
        result.set_attr("type", "result").set_attr("from", "s2s").set_attr("id", "x");
        h.service->handle(std::move(result));
        xml::Element message("message", ns::kClient);
        message.set_attr("from", "s2s").add_text_child("body", "hi");
        h.service->handle(std::move(message));
        CHECK(h.sent.empty());
    }
}

TEST_CASE("disco#info names the resolver feature") {
    Harness h;
    xml::Element iq("iq", ns::kClient);
    iq.set_attr("type", "get").set_attr("from", "s2s").set_attr("to", "resolver").set_attr("id", "d");
    iq.add("query", ns::kDiscoInfo);
    h.service->handle(std::move(iq));
    const xml::Element* q = h.reply("d").child("query", ns::kDiscoInfo);
    REQUIRE(q);
    bool feature = false;
    for (const xml::Element& f : q->elements()) feature |= f.attr("var") == ns::kResolver;
    CHECK(feature);
}

TEST_CASE("shutdown answers what still waits") {
    Harness h;
    h.dns->silent = true;
    h.ask("a.example", "r1");
    h.service->shutdown();
    CHECK(stanza::error_condition(h.reply("r1")) == "remote-server-timeout");
    h.settle();
}
