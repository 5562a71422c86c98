// The keyed module chain: keys per stanza, order by priority then by how
// specific the key is, and the verdicts.
#include <catch.hpp>

#include "chain.hpp"
#include "ns.hpp"
#include "xml/stream_reader.hpp"

using jng::sm::Chain;
using jng::sm::Packet;
using jng::sm::Verdict;

namespace {
Packet packet(const char* xml) {
    Packet p;
    p.stanza = *jng::xml::parse_element(xml);
    p.kind = jng::stanza::kind_of(p.stanza);
    return p;
}
}  // namespace

TEST_CASE("keys name kind, type, target and payload") {
    auto ping = packet("<iq xmlns='jabber:client' type='get'><ping xmlns='urn:xmpp:ping'/></iq>");
    CHECK(Chain::keys_for(ping, "host") ==
          std::vector<std::string>{"iq-get/host/urn:xmpp:ping:ping", "iq-get/host", "iq/host", "iq"});
    auto result = packet("<iq xmlns='jabber:client' type='result'/>");
    CHECK(Chain::keys_for(result, "full") ==
          std::vector<std::string>{"iq-result/full", "iq/full", "iq"});
    auto msg = packet("<message xmlns='jabber:client'><body>x</body></message>");
    CHECK(Chain::keys_for(msg, "bare") == std::vector<std::string>{"message/bare", "message"});
    auto pres = packet("<presence xmlns='jabber:client'/>");
    CHECK(Chain::keys_for(pres, "none") == std::vector<std::string>{"presence/none", "presence"});
}

TEST_CASE("higher priority first, then the more specific key, then registration order") {
    Chain chain("in");
    std::vector<std::string> calls;
    auto record = [&](std::string name, Verdict v = Verdict::kPass) {
        return [&calls, name, v](Packet&) {
            calls.push_back(name);
            return v;
        };
    };
    chain.on("message", 0, "general", record("general"));
    chain.on("message/bare", 0, "specific", record("specific"));
    chain.on("message", 100, "filter", record("filter"));
    chain.on("message/bare", -100, "fallback", record("fallback"));
    chain.on("message/bare", 0, "specific-later", record("specific-later"));
    auto p = packet("<message xmlns='jabber:client'/>");
    CHECK(chain.dispatch(Chain::keys_for(p, "bare"), p) == Verdict::kPass);
    CHECK(calls == std::vector<std::string>{"filter", "specific", "specific-later", "general",
                                            "fallback"});
}

TEST_CASE("a handled or dropped verdict stops the chain") {
    Chain chain("in");
    int later = 0;
    chain.on("presence", 10, "first", [](Packet&) { return Verdict::kDrop; });
    chain.on("presence", 0, "second", [&](Packet&) {
        ++later;
        return Verdict::kHandled;
    });
    auto p = packet("<presence xmlns='jabber:client'/>");
    CHECK(chain.dispatch(Chain::keys_for(p, "full"), p) == Verdict::kDrop);
    CHECK(later == 0);
}

TEST_CASE("handlers of other targets are not called") {
    Chain chain("in");
    int bare = 0;
    chain.on("message/bare", 0, "m", [&](Packet&) {
        ++bare;
        return Verdict::kHandled;
    });
    auto p = packet("<message xmlns='jabber:client'/>");
    CHECK(chain.dispatch(Chain::keys_for(p, "full"), p) == Verdict::kPass);
    CHECK(bare == 0);
}

TEST_CASE("unknown payload namespaces reach the general handlers and are not cached") {
    Chain chain("in");
    int general = 0;
    chain.on("iq-get/host", 0, "fallback", [&](Packet&) {
        ++general;
        return Verdict::kHandled;
    });
    for (int i = 0; i < 100; ++i) {
        auto p = packet(("<iq xmlns='jabber:client' type='get'><q xmlns='urn:x:" +
                         std::to_string(i) + "'/></iq>").c_str());
        CHECK(chain.dispatch(Chain::keys_for(p, "host"), p) == Verdict::kHandled);
    }
    CHECK(general == 100);
    // Only the registered key was ever looked up as a cache entry's head.
    CHECK(chain.registered_keys() == std::vector<std::string>{"iq-get/host"});
}
