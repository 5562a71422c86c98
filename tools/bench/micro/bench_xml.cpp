// XML hot paths: the stream reader turning bytes into stanzas (what every
// daemon does for every byte it receives) and the serializer turning them
// back (what it does for every byte it sends).
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>

#include "ns.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

namespace {

const std::string kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>";

// A chat message as clients send them: a body, a chat state, an origin id.
std::string chat_message(int i) {
    return "<message to='juliet@example.com' type='chat' id='m" + std::to_string(i) +
           "'><body>Art thou not Romeo, and a Montague? &amp; more text here</body>"
           "<active xmlns='http://jabber.org/protocol/chatstates'/>"
           "<origin-id xmlns='urn:xmpp:sid:0' id='4b8bb6e1-0c39-4d64-9d2e-6f0b2a6c7e1" +
           std::to_string(i % 10) + "'/></message>";
}

// A presence broadcast with entity capabilities, status and priority.
std::string rich_presence(int i) {
    return "<presence id='p" + std::to_string(i) +
           "'><show>away</show><status>In a meeting</status><priority>5</priority>"
           "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://example.org' "
           "ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>";
}

// The chat message in the envelope the sm hands it to c2s in, as the router
// reads it on the sm's component stream.
const std::string kComponentHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='sm-1'>";

std::string routed_message(int i) {
    std::string m = chat_message(i);
    m.insert(std::string_view("<message").size(),
             " xmlns='jabber:client' from='romeo@example.com/balcony'");
    return "<route xmlns='urn:jabberd-ng:component:1' from='sm-1' to='c2s-1' session='s1'>" + m +
           "</route>";
}

enum class Content { kMessages, kPresence, kRoutes };
// What the reader keeps: the tree; the tree and each stanza's bytes; only
// each stanza's head and its bytes (the router); the heads of each stanza
// and of its children, and the bytes (c2s reading envelopes).
enum class Keep { kTree, kRaw, kHeads, kChildHeads };

std::string stream_of(int stanzas, Content content) {
    std::string s;
    for (int i = 0; i < stanzas; ++i) {
        s += content == Content::kPresence ? rich_presence(i)
             : content == Content::kRoutes ? routed_message(i)
                                           : chat_message(i);
    }
    return s;
}

// Feeds `body` in chunks of `chunk` bytes, as reads from a socket arrive.
void read_stream(benchmark::State& state, Content content, Keep keep = Keep::kTree) {
    constexpr int kStanzas = 1000;
    const std::string body = stream_of(kStanzas, content);
    const bool component = content == Content::kRoutes;
    const auto chunk = static_cast<size_t>(state.range(0));
    int64_t stanzas = 0;
    for (auto _ : state) {
        jng::xml::StreamReader reader(
            {}, std::string(component ? jng::ns::kComponentAccept : jng::ns::kClient));
        if (keep == Keep::kRaw) reader.keep_raw_elements();
        if (keep == Keep::kHeads) reader.read_heads_only();
        if (keep == Keep::kChildHeads) reader.read_child_heads();
        reader.feed(component ? kComponentHeader : kHeader);
        while (reader.next()) {
        }
        for (size_t off = 0; off < body.size(); off += chunk) {
            reader.feed(std::string_view(body).substr(off, chunk));
            while (auto ev = reader.next()) {
                benchmark::DoNotOptimize(ev->element);
                benchmark::DoNotOptimize(ev->raw);
                ++stanzas;
            }
        }
    }
    state.SetItemsProcessed(stanzas);
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(body.size()));
    state.counters["stanza_bytes"] = static_cast<double>(body.size()) / kStanzas;
}

void BM_StreamReader_Messages(benchmark::State& state) {
    read_stream(state, Content::kMessages);
}
void BM_StreamReader_Presence(benchmark::State& state) {
    read_stream(state, Content::kPresence);
}
void BM_StreamReader_MessagesRaw(benchmark::State& state) {
    read_stream(state, Content::kMessages, Keep::kRaw);
}
void BM_StreamReader_Routes(benchmark::State& state) {
    read_stream(state, Content::kRoutes, Keep::kRaw);
}
void BM_StreamReader_RouteHeads(benchmark::State& state) {
    read_stream(state, Content::kRoutes, Keep::kHeads);
}
void BM_StreamReader_RouteChildHeads(benchmark::State& state) {
    read_stream(state, Content::kRoutes, Keep::kChildHeads);
}
BENCHMARK(BM_StreamReader_Messages)->Arg(512)->Arg(4096)->Arg(65536);
BENCHMARK(BM_StreamReader_MessagesRaw)->Arg(512)->Arg(4096)->Arg(65536);
BENCHMARK(BM_StreamReader_Presence)->Arg(4096);
BENCHMARK(BM_StreamReader_Routes)->Arg(4096);
BENCHMARK(BM_StreamReader_RouteHeads)->Arg(4096);
BENCHMARK(BM_StreamReader_RouteChildHeads)->Arg(4096);

// One standalone element, as stored stanzas (offline queue) are read back.
void BM_ParseElement(benchmark::State& state) {
    const std::string xml = "<message xmlns='jabber:client' to='juliet@example.com' type='chat' id='m1'>"
                            "<body>Art thou not Romeo, and a Montague?</body>"
                            "<delay xmlns='urn:xmpp:delay' from='example.com' stamp='2024-01-01T00:00:00Z'>"
                            "Offline Storage</delay></message>";
    for (auto _ : state) benchmark::DoNotOptimize(jng::xml::parse_element(xml));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(xml.size()));
}
BENCHMARK(BM_ParseElement);

jng::xml::Element parsed(const std::string& xml) {
    jng::xml::StreamReader reader({}, std::string(jng::ns::kClient));
    reader.feed(kHeader + xml);
    reader.next();  // the stream header
    return reader.next()->element;
}

void serialize_in_stream(benchmark::State& state, const jng::xml::Element& e) {
    std::string out;
    size_t bytes = 0;
    for (auto _ : state) {
        out.clear();
        jng::xml::serialize(e, out, jng::xml::StreamContext{jng::ns::kClient});
        bytes += out.size();
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_Serialize_Message(benchmark::State& state) { serialize_in_stream(state, parsed(chat_message(1))); }
void BM_Serialize_Presence(benchmark::State& state) { serialize_in_stream(state, parsed(rich_presence(1))); }
BENCHMARK(BM_Serialize_Message);
BENCHMARK(BM_Serialize_Presence);

// Standalone, every namespace declared: what goes to storage.
void BM_Serialize_Standalone(benchmark::State& state) {
    const auto e = parsed(chat_message(1));
    std::string out;
    for (auto _ : state) {
        out.clear();
        jng::xml::serialize(e, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Serialize_Standalone);

// Text with markup characters in it: the escaping path.
void BM_EscapeText(benchmark::State& state) {
    const std::string text = "if (a < b && c > d) { say(\"it's \" + x); } ";
    std::string out;
    for (auto _ : state) {
        out.clear();
        for (int i = 0; i < 16; ++i) jng::xml::append_escaped_text(out, text);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 16 * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_EscapeText);

}  // namespace
