// Fuzz target: the XMPP stream reader, in each of the ways the daemons read.
// Arbitrary bytes, fed in pieces whose sizes come from the input, sometimes
// with a restart in between and with hibernation between pieces. The reader
// must end in events or an error, never a crash, hang or unbounded growth.
// And since the router and the component links relay bytes they only read
// the heads of, every mode must agree with the whole reader fed the same
// pieces: a head is the element's own name, attributes and text; raw bytes
// are bytes that were received and read back as the element; a child's
// bytes read on their own give that child.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "ns.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

namespace {

using jng::xml::Element;
using jng::xml::StreamEvent;
using jng::xml::StreamReader;

enum class Mode { kWhole, kRaw, kHeads, kChildHeads };

void check(bool ok) {
    if (!ok) __builtin_trap();
}

// The element without its child elements: name, namespace, attributes and
// its own text.
Element head_of(const Element& e) {
    Element head(e.name(), e.ns());
    for (const auto& a : e.attrs()) head.set_attr(a);
    if (const std::string text = e.text(); !text.empty()) head.add_text(text);
    return head;
}

// The element with each child element cut down to its head.
Element child_heads_of(const Element& e) {
    Element out = head_of(e);
    out.clear_children();
    for (const auto& node : e.children()) {
        if (node.is_element()) {
            out.add_child(head_of(node.element()));
        } else {
            out.add_text(node.text());
        }
    }
    return out;
}

std::vector<const Element*> child_elements(const Element& e) {
    std::vector<const Element*> out;
    for (const Element& child : e.elements()) out.push_back(&child);
    return out;
}

// `got` came from the reader in `mode`, `whole` from the whole reader, for
// the same element of the same input.
void compare(Mode mode, const StreamReader& reader, const StreamEvent& got, const Element& whole,
             std::string_view input) {
    if (mode == Mode::kWhole || mode == Mode::kRaw || !got.partial) {
        check(got.element == whole);
    } else if (mode == Mode::kHeads) {
        check(got.element == head_of(whole));
    } else {
        check(got.element == child_heads_of(whole));
    }
    if (mode == Mode::kWhole) {
        // Whatever parsed must serialize and parse back the same.
        auto again = jng::xml::parse_element(jng::xml::to_string(whole));
        check(again && *again == whole);
        return;
    }
    if (!got.raw.empty()) {
        check(input.find(got.raw) != std::string_view::npos);
        auto again = reader.read_whole(got.raw);
        check(again && *again == whole);
    }
    if (mode == Mode::kChildHeads && !got.raw.empty()) {
        const auto children = child_elements(whole);
        check(got.child_spans.size() == children.size());
        for (size_t i = 0; i < children.size(); ++i) {
            const std::string_view bytes = got.child_raw(i);
            if (bytes.empty()) continue;
            auto alone = jng::xml::parse_element(bytes);
            check(alone && *alone == *children[i]);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const size_t step = 1 + data[0] % 64;
    const bool restart_midway = data[1] & 1;
    const auto mode = static_cast<Mode>((data[1] >> 1) & 3);
    const bool hibernate = data[1] & 8;
    // As a client's stream is read, or as a component's (whose stanzas come
    // in envelopes, each declaring its own namespace).
    const std::string content_ns(data[1] & 16 ? jng::ns::kComponentAccept : jng::ns::kClient);
    std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

    jng::xml::ReaderLimits limits;
    limits.max_stanza_bytes = 4096;
    limits.max_depth = 16;
    limits.max_names = 256;
    StreamReader whole(limits, content_ns);
    StreamReader reader(limits, content_ns);
    switch (mode) {
        case Mode::kWhole:
            break;
        case Mode::kRaw:
            reader.keep_raw_elements();
            break;
        case Mode::kHeads:
            reader.read_heads_only();
            break;
        case Mode::kChildHeads:
            reader.read_child_heads();
            break;
    }

    // Events not yet matched with the other reader's; matching stops at the
    // first error until a restart. A woken parser counts the names it adds
    // afresh, so with hibernation the two may fail at different points.
    std::deque<StreamEvent> from_whole, from_reader;
    bool stopped = false;
    size_t fed = 0;
    while (fed < input.size()) {
        const size_t n = std::min(step, input.size() - fed);
        whole.feed(input.substr(fed, n));
        reader.feed(input.substr(fed, n));
        fed += n;
        while (auto ev = whole.next()) from_whole.push_back(std::move(*ev));
        while (auto ev = reader.next()) from_reader.push_back(std::move(*ev));
        while (!stopped && !from_whole.empty() && !from_reader.empty()) {
            const StreamEvent& w = from_whole.front();
            const StreamEvent& r = from_reader.front();
            if (w.kind == StreamEvent::Kind::kError || r.kind == StreamEvent::Kind::kError) {
                if (!hibernate) check(w.kind == r.kind && w.condition == r.condition);
                stopped = true;
                break;
            }
            check(w.kind == r.kind);
            if (w.kind == StreamEvent::Kind::kElement) compare(mode, reader, r, w.element, input);
            from_whole.pop_front();
            from_reader.pop_front();
        }
        if (hibernate) reader.hibernate();
        if (restart_midway && fed >= input.size() / 2 && fed - n < input.size() / 2) {
            whole.restart();
            reader.restart();
            from_whole.clear();
            from_reader.clear();
            stopped = false;
        }
    }
    if (!stopped && !hibernate) check(from_whole.size() == from_reader.size());
    return 0;
}
