// Reads an XMPP stream: bytes in, events out (stream open, one event per
// top-level element, stream close, error). libxml2's SAX2 push parser does the
// parsing; this class enforces RFC 6120 §11 (UTF-8 only; no DTD, entities,
// comments or processing instructions) and the size and depth limits.
//
// Events are queued while libxml2 parses and handed out afterwards by next(),
// so a consumer may restart or destroy the reader while handling one: no
// callback into the consumer ever runs inside libxml2.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xml/element.hpp"
#include "xml/shared_names.hpp"

namespace jng::xml {

struct ReaderLimits {
    size_t max_stanza_bytes = 256 * 1024;  // bytes of one top-level element
    size_t max_depth = 32;                 // nesting below the stream element
    size_t max_attributes = 64;            // per element
    size_t max_names = 10000;              // distinct names one parser adds to the dictionary
    size_t max_name_bytes = 1024;          // of a name, prefix or namespace URI
};

struct StreamEvent {
    enum class Kind { kOpen, kElement, kClose, kError };
    Kind kind;
    // kOpen: the stream element with its attributes (no children), in its
    // namespace; default_ns holds the default namespace it declared.
    // kElement: the complete top-level element.
    Element element;
    std::string default_ns;
    // kError: an RFC 6120 §4.9.3 stream error condition and a text for logs.
    std::string condition;
    std::string text;
    // kElement, when the reader keeps raw elements: the element's bytes as
    // received, if every namespace prefix in them is declared within them
    // (they may still rely on the stream's default namespace); else empty.
    std::string raw;
    // kElement, from a reader of child heads: where each child element's
    // bytes lie in `raw`, in the order of the children, if they stand on
    // their own: the child declares its default namespace itself (not the
    // stream's) and every prefix used inside it. Else {0, 0}.
    struct Span {
        size_t offset = 0;
        size_t size = 0;
    };
    std::vector<Span> child_spans;
    // kElement, from a reader of heads: elements below the heads were left
    // out of `element` (else it is whole).
    bool partial = false;
    // The bytes of the i-th child element, if they stand on their own.
    std::string_view child_raw(size_t i) const {
        if (i >= child_spans.size()) return {};
        return std::string_view(raw).substr(child_spans[i].offset, child_spans[i].size);
    }
};

class StreamReader {
public:
    // Elements in `content_ns` (the stream's default namespace: jabber:client,
    // jabber:server, jabber:component:accept) come out in the canonical
    // namespace jabber:client, so stanza code never cares which stream a
    // stanza arrived on. Empty: no mapping. With `names`, the parsers intern
    // names in the process's shared dictionary (see SharedNames).
    explicit StreamReader(ReaderLimits limits = {}, std::string content_ns = {},
                          std::shared_ptr<SharedNames> names = {});
    ~StreamReader();
    StreamReader(const StreamReader&) = delete;
    StreamReader& operator=(const StreamReader&) = delete;

    // Hands out each top-level element's bytes as well (StreamEvent::raw),
    // for a consumer that relays elements unchanged between streams of the
    // same default namespace: they need not be serialized again.
    void keep_raw_elements() { keep_raw_ = true; }
    // As keep_raw_elements(), for a consumer that reads only the top-level
    // element's attributes and relays its bytes: its child elements are
    // checked against the limits but not built (its own text is kept). An
    // element whose bytes lean on a prefix of the stream header comes whole,
    // with no raw bytes, as it would without this.
    void read_heads_only() {
        keep_raw_ = true;
        head_levels_ = 1;
    }
    // As read_heads_only(), one level further, for a consumer that reads the
    // attributes of an envelope and of what it carries and relays the
    // latter: each top-level element comes with its child elements as heads
    // (name, namespace, attributes, own text) and with where their bytes lie
    // (StreamEvent::child_spans). Grandchildren are checked, not built.
    void read_child_heads() {
        keep_raw_ = true;
        head_levels_ = 2;
    }
    // The element `raw` (bytes handed out by this reader) read again whole,
    // in this stream's context: for a consumer of heads that needs the rest.
    std::optional<Element> read_whole(std::string_view raw) const;

    // Parses `data`; produced events wait in the queue for next().
    void feed(std::string_view data);
    std::optional<StreamEvent> next();

    // Starts a new stream (after STARTTLS or SASL success, RFC 6120 §5.4.3.3 and
    // §6.4.6): a fresh parser, and nothing still queued or buffered from the
    // old stream is kept - bytes sent after <starttls/> are never trusted.
    void restart();

    // Frees the parser of an open stream between stanzas (a few KB that an
    // idle session does not need); the next bytes other than whitespace
    // bring a new one, primed with the stream header as first received.
    // False, and nothing changes, when a stanza is partly read.
    bool hibernate();
    // hibernate() if nothing but whitespace was fed since the last call: for
    // a sweep over many streams at an interval.
    bool hibernate_if_quiet();
    bool hibernating() const { return !impl_ && open(); }

    bool failed() const { return failed_; }
    bool closed() const { return closed_; }
    bool open() const { return opened_ && !closed_ && !failed_; }
    // Bytes received but not yet part of a completed top-level element.
    size_t pending_bytes() const;

    struct Impl;  // libxml2 callbacks reach the state through this

private:
    void create_parser();
    void wake();
    void parse(std::string_view data);
    void fail(std::string condition, std::string text);
    // How many bytes of `data` are UTF-8 so far (RFC 3629), carrying an
    // incomplete sequence over to the next chunk; data.size() when all are.
    size_t utf8_prefix(std::string_view data);

    friend struct Impl;
    ReaderLimits limits_;
    std::string content_ns_;
    std::shared_ptr<SharedNames> names_;
    std::unique_ptr<Impl> impl_;
    int utf8_needed_ = 0;  // continuation bytes still due
    unsigned char utf8_lo_ = 0x80, utf8_hi_ = 0xBF;  // range of the next one
    // Events not yet handed out start at events_head_; the vector is
    // emptied, keeping its room, whenever the last one is taken.
    std::vector<StreamEvent> events_;
    size_t events_head_ = 0;
    bool keep_raw_ = false;
    size_t head_levels_ = 0;  // levels of elements built as heads; 0: whole elements
    bool failed_ = false;
    bool closed_ = false;
    bool opened_ = false;
    bool waking_ = false;          // the header is being given to a new parser
    bool fed_since_mark_ = false;  // see hibernate_if_quiet()
    std::string header_;           // the stream header's bytes, as received
    size_t trailing_space_ = 0;    // whitespace at the end of what was parsed
};

// Parses one standalone XML element (a stored stanza, a test literal) with the
// same restrictions. Fails on anything but exactly one element.
std::optional<Element> parse_element(std::string_view xml, std::string* error = nullptr,
                                     ReaderLimits limits = {});

}  // namespace jng::xml
