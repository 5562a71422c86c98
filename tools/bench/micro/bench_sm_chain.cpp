// The session manager's dispatch: a stanza's keys, then the handlers the
// default modules register on them, in priority order. A SessionManager is
// too heavy to build here (router link, storage), so the chains are filled
// with handlers registered under the real modules' keys and priorities,
// doing the checks those handlers do first; "one message delivered" adds the
// sm's work around the chain: parsing the addresses, and wrapping the stanza
// in a route envelope written for the router link.
#include <benchmark/benchmark.h>

#include <string>

#include "chain.hpp"
#include "component/protocol.hpp"
#include "ns.hpp"
#include "stanza.hpp"
#include "xml/stream_reader.hpp"

namespace {

using jng::sm::Chain;
using jng::sm::Packet;
using jng::sm::Verdict;

struct Sink {
    std::string out;  // what would go to the router link
    size_t delivered = 0;
};

// The in chain of the default module list (etc/sm.xml): roster, presence,
// deliver, offline, disco, ping, with the keys and priorities they use.
void fill_in_chain(Chain& in, Sink& sink) {
    const std::string roster = "jabber:iq:roster:query";
    in.on("iq-get/bare/" + roster, 0, "roster", [](Packet& p) {
        return p.stanza.child("query", jng::ns::kRoster) ? Verdict::kHandled : Verdict::kPass;
    });
    in.on("iq-set/bare/" + roster, 0, "roster", [](Packet&) { return Verdict::kHandled; });
    in.on("presence", 0, "presence", [](Packet& p) {
        return p.type().empty() || p.type() == "unavailable" ? Verdict::kHandled : Verdict::kPass;
    });
    // deliver: the one session the message goes to, in an envelope for its
    // c2s, written as SessionManager::send_to writes it.
    auto deliver = [&sink](Packet& p) {
        if (p.type() == "groupchat" || p.type() == "error") return Verdict::kPass;
        sink.out.clear();
        jng::component::write_route({"sm-1", "c2s-1", "s1"}, p.stanza, sink.out);
        ++sink.delivered;
        return Verdict::kHandled;
    };
    in.on("message/bare", 0, "deliver", deliver);
    in.on("message/full", 0, "deliver", deliver);
    in.on("iq/full", 0, "deliver", [](Packet&) { return Verdict::kHandled; });
    in.on("iq-result/bare", -100, "deliver", [](Packet&) { return Verdict::kDrop; });
    in.on("iq-error/bare", -100, "deliver", [](Packet&) { return Verdict::kDrop; });
    in.on("message/bare", -100, "offline", [](Packet& p) {
        return p.type() == "headline" ? Verdict::kDrop : Verdict::kHandled;
    });
    in.on("message/full", -100, "offline", [](Packet&) { return Verdict::kHandled; });
    for (const char* q : {"disco#info:query", "disco#items:query"}) {
        in.on(std::string("iq-get/host/http://jabber.org/protocol/") + q, 0, "disco",
              [](Packet&) { return Verdict::kHandled; });
        in.on(std::string("iq-get/bare/http://jabber.org/protocol/") + q, 0, "disco",
              [](Packet&) { return Verdict::kHandled; });
    }
    in.on("iq-get/host/urn:xmpp:ping:ping", 0, "ping", [](Packet&) { return Verdict::kHandled; });
}

jng::xml::Element element(const std::string& xml) { return *jng::xml::parse_element(xml); }

Packet packet(const std::string& xml) {
    Packet p;
    p.stanza = element(xml);
    p.kind = jng::stanza::kind_of(p.stanza);
    p.from = *jng::Jid::parse(p.stanza.attr("from"));
    if (p.stanza.has_attr("to")) p.to = *jng::Jid::parse(p.stanza.attr("to"));
    return p;
}

const std::string kMessage =
    "<message xmlns='jabber:client' from='romeo@example.com/orchard' to='juliet@example.com' "
    "type='chat' id='m1'><body>Art thou not Romeo, and a Montague?</body>"
    "<active xmlns='http://jabber.org/protocol/chatstates'/></message>";

void BM_Chain_KeysFor_Message(benchmark::State& state) {
    const Packet p = packet(kMessage);
    for (auto _ : state) benchmark::DoNotOptimize(Chain::keys_for(p, "bare"));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Chain_KeysFor_Message);

void BM_Chain_KeysFor_IqPayload(benchmark::State& state) {
    const Packet p = packet("<iq xmlns='jabber:client' from='romeo@example.com/orchard' to='romeo@example.com' "
                            "type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
    for (auto _ : state) benchmark::DoNotOptimize(Chain::keys_for(p, "bare"));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Chain_KeysFor_IqPayload);

// Dispatch alone, with the keys computed once: the handler walk.
void BM_Chain_Dispatch_MessageBare(benchmark::State& state) {
    Sink sink;
    Chain in("in");
    fill_in_chain(in, sink);
    Packet p = packet(kMessage);
    const auto keys = Chain::keys_for(p, "bare");
    for (auto _ : state) benchmark::DoNotOptimize(in.dispatch(keys, p));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Chain_Dispatch_MessageBare);

// A stanza no handler takes (an unknown iq payload to the bare JID): every
// key looked up, nothing handles it.
void BM_Chain_Dispatch_Unhandled(benchmark::State& state) {
    Sink sink;
    Chain in("in");
    fill_in_chain(in, sink);
    Packet p = packet("<iq xmlns='jabber:client' from='romeo@example.com/orchard' to='juliet@example.com' "
                      "type='get' id='x1'><query xmlns='urn:example:unknown'/></iq>");
    const auto keys = Chain::keys_for(p, "bare");
    for (auto _ : state) benchmark::DoNotOptimize(in.dispatch(keys, p));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Chain_Dispatch_Unhandled);

// One message delivered, as the sm does it for a stanza from the router:
// the element arrives parsed; its addresses are validated, the keys built,
// the chain run, and the stanza written in an envelope for the session.
void BM_Sm_DeliverOneMessage(benchmark::State& state) {
    Sink sink;
    Chain in("in");
    fill_in_chain(in, sink);
    const jng::xml::Element incoming = element(kMessage);
    for (auto _ : state) {
        Packet p;
        p.stanza = incoming;
        p.kind = jng::stanza::kind_of(p.stanza);
        auto from = jng::Jid::parse(p.stanza.attr("from"));
        auto to = jng::Jid::parse(p.stanza.attr("to"));
        p.from = std::move(*from);
        p.to = std::move(*to);
        benchmark::DoNotOptimize(in.dispatch(Chain::keys_for(p, p.to->is_bare() ? "bare" : "full"), p));
    }
    state.SetItemsProcessed(static_cast<int64_t>(sink.delivered));
    state.counters["envelope_bytes"] = static_cast<double>(sink.out.size());
}
BENCHMARK(BM_Sm_DeliverOneMessage);

}  // namespace
