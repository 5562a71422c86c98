// StreamReader on libxml2's SAX2 push parser: what is fed and when, the
// UTF-8 check, hibernation and restarts. The handlers that build elements
// from the parser's callbacks are in stream_reader_sax.cpp.
#include "xml/stream_reader.hpp"

#include <libxml/parser.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "xml/stream_reader_sax.hpp"

namespace jng::xml {
namespace {
constexpr int kInitialParserBuffer = 1024;

bool is_whitespace(std::string_view data) {
    return data.find_first_not_of(" \t\r\n") == std::string_view::npos;
}
}  // namespace

StreamReader::StreamReader(ReaderLimits limits, std::string content_ns,
                           std::shared_ptr<SharedNames> names)
    : limits_(limits), content_ns_(std::move(content_ns)), names_(std::move(names)) {
    create_parser();
}

StreamReader::~StreamReader() = default;

void StreamReader::create_parser() {
    impl_ = std::make_unique<Impl>(*this);
    impl_->init_sax();
    xmlParserCtxt* c = nullptr;
    {
        // A push parser's input buffer starts at twice libxml2's default
        // buffer size (8 KiB) and never shrinks; most streams idle between
        // stanzas of a few hundred bytes, and on a c2s with many sessions
        // that buffer was the largest allocation of each. Started small, it
        // grows to the largest chunk pushed. The default is thread-local:
        // it is put back at once.
        const int saved = xmlDefaultBufferSize;
        xmlDefaultBufferSize = kInitialParserBuffer / 2;
        c = xmlCreatePushParserCtxt(&impl_->sax, nullptr, nullptr, 0, nullptr);
        xmlDefaultBufferSize = saved;
    }
    if (c == nullptr) {
        fail("internal-server-error", "cannot create XML parser");
        return;
    }
    impl_->ctxt.reset(c);
    c->_private = impl_.get();
    if (auto shared = names_ ? names_->acquire() : nullptr) {
        // Nothing has been interned yet but the three names every parser
        // keeps at hand; libxml2 shares a dictionary between contexts the
        // same way when it parses balanced chunks.
        xmlDictFree(c->dict);
        c->dict = shared->dict();
        xmlDictReference(c->dict);
        c->str_xml = xmlDictLookup(c->dict, BAD_CAST "xml", 3);
        c->str_xmlns = xmlDictLookup(c->dict, BAD_CAST "xmlns", 5);
        c->str_xml_ns = xmlDictLookup(c->dict, XML_XML_NAMESPACE, 36);
        impl_->names = std::move(shared);
    }
    // NOENT: predefined entities arrive decoded in attribute values. No DTD is
    // ever accepted (see on_subset), so no other entity can be substituted.
    // IGNORE_ENC: RFC 6120 §11.6, a stream is UTF-8 whatever it declares.
    xmlCtxtUseOptions(c,
                      XML_PARSE_NONET | XML_PARSE_NOENT | XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA);
}

void StreamReader::fail(std::string condition, std::string text) {
    failed_ = true;
    events_.push_back(StreamEvent{
        StreamEvent::Kind::kError, {}, {}, std::move(condition), std::move(text), {}, {}});
}

size_t StreamReader::pending_bytes() const {
    if (!impl_ || !impl_->ctxt) return 0;
    return impl_->fed - impl_->boundary;
}

namespace {
// Eight bytes of ASCII other than U+0000, the bulk of any stream.
bool plain_ascii8(const char* p) {
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return (w & kHigh) == 0 && ((w - kOnes) & ~w & kHigh) == 0;
}
}  // namespace

size_t StreamReader::utf8_prefix(std::string_view data) {
    const size_t n = data.size();
    size_t i = 0;
    while (i < n) {
        if (utf8_needed_ == 0) {
            while (n - i >= 8 && plain_ascii8(data.data() + i)) i += 8;
        }
        // Byte by byte through the next eight, then the fast path again.
        for (const size_t stop = std::min(n, i + 8); i < stop; ++i) {
            const auto c = static_cast<unsigned char>(data[i]);
            if (utf8_needed_ > 0) {
                if (c < utf8_lo_ || c > utf8_hi_) return i;
                utf8_lo_ = 0x80;
                utf8_hi_ = 0xBF;
                --utf8_needed_;
                continue;
            }
            // U+0000 is no XML character; here it means UTF-16 or UTF-32.
            if (c == 0) return i;
            if (c < 0x80) continue;
            // RFC 3629 §4: no overlong forms, no surrogates, nothing past U+10FFFF.
            if (c >= 0xC2 && c <= 0xDF) {
                utf8_needed_ = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                utf8_needed_ = 2;
                if (c == 0xE0) utf8_lo_ = 0xA0;
                if (c == 0xED) utf8_hi_ = 0x9F;
            } else if (c >= 0xF0 && c <= 0xF4) {
                utf8_needed_ = 3;
                if (c == 0xF0) utf8_lo_ = 0x90;
                if (c == 0xF4) utf8_hi_ = 0x8F;
            } else {
                return i;
            }
        }
    }
    return n;
}

void StreamReader::feed(std::string_view data) {
    if (failed_ || closed_ || data.empty()) return;
    // RFC 6120 §11.6: UTF-8 only, checked here rather than left to libxml2,
    // which would detect and accept UTF-16 by itself. What came before the
    // first bad byte is still parsed.
    const size_t valid = utf8_prefix(data);
    // Keepalives are no sign of life for hibernation, and do not wake a
    // hibernating parser.
    const bool keepalive = valid == data.size() && is_whitespace(data);
    if (!keepalive) fed_since_mark_ = true;
    if (!impl_) {
        if (keepalive) return;
        wake();
        if (failed_) return;
    }
    if (!impl_->ctxt) return;
    parse(data.substr(0, valid));
    if (valid < data.size() && !failed_ && !closed_) {
        fail("unsupported-encoding", "the stream is not UTF-8");
    }
}

void StreamReader::parse(std::string_view data) {
    if (data.empty()) return;
    Impl& im = *impl_;
    // Whitespace keepalives between stanzas never reach libxml2, which would
    // hold them until the next '<' and count them against the stanza limit.
    if (im.depth == 1 && im.fed == im.boundary && is_whitespace(data)) return;
    // libxml2 holds whitespace after a stanza until the next '<'; what it
    // may be holding is remembered, so that such a stream still counts as
    // between stanzas (see hibernate()).
    const size_t last = data.find_last_not_of(" \t\r\n");
    trailing_space_ =
        last == std::string_view::npos ? trailing_space_ + data.size() : data.size() - last - 1;
    // Until the stream header is complete its bytes are kept, to be given
    // again to the parser that replaces this one after hibernation.
    if (!opened_) header_.append(data);
    // Feed in bounded slices so a single huge read cannot grow libxml2's
    // buffers far past the stanza limit before we look.
    constexpr size_t kSlice = 16 * 1024;
    while (!data.empty() && !failed_ && !closed_) {
        const size_t n = std::min(kSlice, data.size());
        im.fed += n;
        if (keep_raw_) im.raw.append(data.data(), n);
        const bool was_open = opened_;
        const int names_before = xmlDictSize(im.ctxt->dict);
        const int rc = xmlParseChunk(im.ctxt.get(), data.data(), static_cast<int>(n), 0);
        // Parsing is single-threaded: what the dictionary gained, this
        // stream added, whether the dictionary is its own or shared.
        im.names_added +=
            static_cast<size_t>(std::max(0, xmlDictSize(im.ctxt->dict) - names_before));
        data.remove_prefix(n);
        if (keep_raw_) im.drop_raw_before(im.boundary);
        if (!was_open && opened_) header_.shrink_to_fit();
        if (failed_) break;
        if (rc != 0 && !failed_) {
            fail("not-well-formed", "XML parse error");
            break;
        }
        if (pending_bytes() > limits_.max_stanza_bytes) {
            fail("policy-violation", "stanza too large");
            break;
        }
        if (im.names_added > limits_.max_names) {
            fail("policy-violation", "too many distinct element or attribute names");
            break;
        }
    }
}

std::optional<StreamEvent> StreamReader::next() {
    if (events_head_ == events_.size()) return std::nullopt;
    StreamEvent e = std::move(events_[events_head_++]);
    if (events_head_ == events_.size()) {
        events_.clear();
        events_head_ = 0;
        // A burst of many small stanzas should not leave its room behind.
        if (events_.capacity() > 64) events_.shrink_to_fit();
    }
    return e;
}

bool StreamReader::hibernate() {
    if (!impl_ || !open() || !events_.empty() || utf8_needed_ != 0) return false;
    const Impl& im = *impl_;
    // Only between stanzas, with nothing of the next one received yet:
    // at most the whitespace that followed the last one.
    if (im.depth != 1 || im.fed - im.boundary > trailing_space_ || header_.empty()) return false;
    impl_.reset();
    events_.shrink_to_fit();
    return true;
}

bool StreamReader::hibernate_if_quiet() {
    const bool quiet = !fed_since_mark_;
    fed_since_mark_ = false;
    return quiet && hibernate();
}

void StreamReader::wake() {
    create_parser();
    if (failed_) return;
    waking_ = true;
    impl_->fed += header_.size();
    const int rc =
        xmlParseChunk(impl_->ctxt.get(), header_.data(), static_cast<int>(header_.size()), 0);
    waking_ = false;
    impl_->raw_base = impl_->fed;
    if (rc != 0 || impl_->depth != 1) fail("internal-server-error", "cannot resume the stream");
}

void StreamReader::restart() {
    header_.clear();
    trailing_space_ = 0;
    events_.clear();
    events_head_ = 0;
    failed_ = false;
    closed_ = false;
    opened_ = false;
    utf8_needed_ = 0;
    utf8_lo_ = 0x80;
    utf8_hi_ = 0xBF;
    create_parser();
}

std::optional<Element> StreamReader::read_whole(std::string_view raw) const {
    StreamReader again(limits_, content_ns_);
    again.feed(header_);
    again.feed(raw);
    std::optional<Element> whole;
    while (auto ev = again.next()) {
        if (ev->kind == StreamEvent::Kind::kError) return std::nullopt;
        if (ev->kind != StreamEvent::Kind::kElement) continue;
        if (whole) return std::nullopt;  // more than one element
        whole = std::move(ev->element);
    }
    return whole;
}

std::optional<Element> parse_element(std::string_view xml, std::string* error,
                                     ReaderLimits limits) {
    limits.max_stanza_bytes = std::max(limits.max_stanza_bytes, xml.size() + 16);
    StreamReader reader(limits);
    reader.feed("<r>");
    reader.feed(xml);
    reader.feed("</r>");
    std::optional<Element> result;
    int elements = 0;
    bool closed = false;
    while (auto ev = reader.next()) {
        switch (ev->kind) {
            case StreamEvent::Kind::kOpen:
                break;
            case StreamEvent::Kind::kElement:
                ++elements;
                result = std::move(ev->element);
                break;
            case StreamEvent::Kind::kClose:
                closed = true;
                break;
            case StreamEvent::Kind::kError:
                if (error) *error = ev->condition + ": " + ev->text;
                return std::nullopt;
        }
    }
    if (elements != 1 || !closed) {
        if (error) *error = elements == 0 ? "no element" : "not exactly one element";
        return std::nullopt;
    }
    return result;
}

}  // namespace jng::xml
