// StreamReader on libxml2's SAX2 push parser.
#include "xml/stream_reader.hpp"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "ns.hpp"

namespace jng::xml {
namespace {
constexpr int kInitialParserBuffer = 1024;
// The reader's depth inside a top-level element: 1 is between them.
constexpr size_t kTopLevel = 2;

bool is_whitespace(std::string_view data) {
    return data.find_first_not_of(" \t\r\n") == std::string_view::npos;
}
}  // namespace

struct CtxtDeleter {
    void operator()(xmlParserCtxt* c) const {
        if (c->myDoc) xmlFreeDoc(c->myDoc);
        xmlFreeParserCtxt(c);
    }
};

struct StreamReader::Impl {
    StreamReader& owner;
    xmlSAXHandler sax{};
    std::shared_ptr<SharedNames::Generation> names;  // the dictionary, when shared
    std::unique_ptr<xmlParserCtxt, CtxtDeleter> ctxt;
    size_t names_added = 0;      // to the dictionary by what was fed, not by a woken header
    // The top-level element being built and its open descendants; the
    // children completed so far of all of them, in document order; and for
    // each open element, where its own children begin in `done`. An element
    // takes its children in one piece when it ends: one allocation of the
    // right size, where appending one by one grew the vector step by step.
    std::vector<Element> stack;
    std::vector<Node> done;
    std::vector<size_t> first_child;
    size_t depth = 0;            // 0: before the stream element; 1: between stanzas
    size_t fed = 0;              // bytes given to this parser
    size_t boundary = 0;         // parser offset just after the last complete top-level item
    // When raw elements are kept: the bytes given to this parser from offset
    // raw_base on, whether the top-level element being read may be handed
    // out as its bytes, and the prefixes declared inside it, by depth.
    std::string raw;
    size_t raw_base = 0;
    bool raw_ok = false;
    std::vector<std::pair<size_t, const xmlChar*>> prefixes;
    // When child heads are read: where the child element being read begins,
    // whether its bytes stand on their own so far, and the parser offsets
    // of the children read, {0, 0} for those that do not.
    size_t child_begin = 0;
    bool child_ok = false;
    bool partial = false;  // elements were left out below the heads
    std::vector<std::pair<size_t, size_t>> child_offsets;

    explicit Impl(StreamReader& o) : owner(o) {}

    static Impl& of(void* ctx) {
        return *static_cast<Impl*>(static_cast<xmlParserCtxt*>(ctx)->_private);
    }

    size_t consumed() const { return static_cast<size_t>(xmlByteConsumed(ctxt.get())); }

    std::string map_ns(const xmlChar* uri) const {
        if (uri == nullptr) return {};
        const auto* s = reinterpret_cast<const char*>(uri);
        if (!owner.content_ns_.empty() && owner.content_ns_ == s) return std::string(ns::kClient);
        return std::string(s);
    }

    void fail(std::string condition, std::string text) {
        if (!owner.failed_) owner.fail(std::move(condition), std::move(text));
        xmlStopParser(ctxt.get());
    }

    // Every name libxml2 just interned for this start tag is short: XMPP
    // never needs a long one, and each is kept in the dictionary.
    bool names_short(const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri,
                     int nb_namespaces, const xmlChar** namespaces, int nb_attributes,
                     const xmlChar** attributes) const {
        const size_t max = owner.limits_.max_name_bytes;
        const auto fits = [max](const xmlChar* s) {
            return s == nullptr || ::strnlen(reinterpret_cast<const char*>(s), max + 1) <= max;
        };
        if (!fits(localname) || !fits(prefix) || !fits(uri)) return false;
        for (int i = 0; i < 2 * nb_namespaces; ++i) {
            if (!fits(namespaces[i])) return false;
        }
        for (int i = 0; i < nb_attributes; ++i) {
            if (!fits(attributes[i * 5]) || !fits(attributes[i * 5 + 1])) return false;
        }
        return true;
    }

    // An element whose bytes use a prefix declared on the stream header
    // would be unbound once relayed onto another stream; a child element's,
    // one declared on the element around it.
    void note_prefixes(const xmlChar* prefix, int nb_namespaces, const xmlChar** namespaces,
                       int nb_attributes, const xmlChar** attributes) {
        if (depth == 1) {
            raw_ok = true;
            prefixes.clear();
        }
        if (!raw_ok) return;
        for (int i = 0; i < nb_namespaces; ++i) {
            if (namespaces[2 * i] != nullptr) prefixes.emplace_back(depth + 1, namespaces[2 * i]);
        }
        size_t lowest = declared_at(prefix);
        for (int i = 0; i < nb_attributes; ++i) {
            lowest = std::min(lowest, declared_at(attributes[i * 5 + 1]));
        }
        raw_ok = lowest >= kTopLevel;
        if (depth >= kTopLevel && owner.head_levels_ >= 2) {
            child_ok = child_ok && lowest > kTopLevel;
        }
    }

    // The level of the innermost declaration in scope of a prefix in use:
    // 0 for the stream header's, SIZE_MAX for one that needs none.
    size_t declared_at(const xmlChar* p) const {
        if (p == nullptr || xmlStrEqual(p, BAD_CAST "xml")) return SIZE_MAX;
        for (auto it = prefixes.rbegin(); it != prefixes.rend(); ++it) {
            if (xmlStrEqual(it->second, p)) return it->first;
        }
        return 0;
    }

    // A child element of a top-level one starts; its start tag began at the
    // last '<' before libxml2's position, as no '<' can appear inside one.
    void begin_child(const xmlChar* uri, int nb_namespaces, const xmlChar** namespaces) {
        const size_t at = consumed();
        const size_t lt = at >= raw_base ? raw.rfind('<', at - raw_base) : std::string::npos;
        child_begin = lt == std::string::npos ? 0 : raw_base + lt;
        // Its unprefixed descendants take their namespace from the child
        // itself, never from around it; and the stream's namespace is read
        // as jabber:client, which its bytes would not say.
        const char* own_default = default_declared(nb_namespaces, namespaces);
        const auto* u = reinterpret_cast<const char*>(uri);
        child_ok = lt != std::string::npos && own_default != nullptr && own_default[0] != 0 &&
                   u != nullptr && owner.content_ns_ != u;
    }

    // The default namespace a start tag declares (libxml2's namespaces:
    // prefix, URI pairs), if it declares one.
    static const char* default_declared(int nb_namespaces, const xmlChar** namespaces) {
        for (int i = 0; i < nb_namespaces; ++i) {
            if (namespaces[2 * i] == nullptr && namespaces[2 * i + 1] != nullptr) {
                return reinterpret_cast<const char*>(namespaces[2 * i + 1]);
            }
        }
        return nullptr;
    }

    // Whether the elements at `level` (a top-level element's is kTopLevel)
    // are only checked: those below the heads when heads are read.
    bool skipped(size_t level) const {
        return owner.head_levels_ > 0 && level > kTopLevel + owner.head_levels_ - 1;
    }

    // The children's bytes as spans of the element's bytes, which begin at
    // parser offset `begin`.
    std::vector<StreamEvent::Span> child_spans(size_t begin) const {
        std::vector<StreamEvent::Span> spans;
        spans.reserve(child_offsets.size());
        for (const auto& [from, to] : child_offsets) {
            spans.push_back(from < begin || to <= from
                                ? StreamEvent::Span{}
                                : StreamEvent::Span{from - begin, to - from});
        }
        return spans;
    }

    // The bytes from parser offset `begin` to `end`, without the whitespace
    // that preceded the element.
    std::string raw_between(size_t begin, size_t end) const {
        if (begin < raw_base || end < begin || end - raw_base > raw.size()) return {};
        std::string_view bytes(raw.data() + (begin - raw_base), end - begin);
        const size_t first = bytes.find_first_not_of(" \t\r\n");
        return first == std::string_view::npos ? std::string() : std::string(bytes.substr(first));
    }

    void drop_raw_before(size_t offset) {
        if (offset <= raw_base) return;
        raw.erase(0, std::min(offset - raw_base, raw.size()));
        raw_base = offset;
        // One large stanza should not leave its buffer behind.
        if (raw.empty() && raw.capacity() > 64 * 1024) raw.shrink_to_fit();
    }

    static void on_start(void* ctx, const xmlChar* localname, const xmlChar* prefix,
                         const xmlChar* uri, int nb_namespaces, const xmlChar** namespaces,
                         int nb_attributes, int /*nb_defaulted*/, const xmlChar** attributes) {
        Impl& self = of(ctx);
        if (self.owner.failed_) return;
        if (!self.names_short(localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                              attributes)) {
            self.fail("policy-violation", "name or namespace too long");
            return;
        }
        if (self.depth >= self.owner.limits_.max_depth + 1) {
            self.fail("policy-violation", "element nesting too deep");
            return;
        }
        if (static_cast<size_t>(nb_attributes) > self.owner.limits_.max_attributes) {
            self.fail("policy-violation", "too many attributes");
            return;
        }
        if (self.depth >= 1 && self.owner.keep_raw_) {
            if (self.depth == 1) {
                self.child_offsets.clear();
                self.partial = false;
            }
            if (self.depth == kTopLevel && self.owner.head_levels_ >= 2) {
                self.begin_child(uri, nb_namespaces, namespaces);
            }
            self.note_prefixes(prefix, nb_namespaces, namespaces, nb_attributes, attributes);
        }
        if (self.skipped(self.depth + 1)) {
            self.partial = true;
            ++self.depth;  // below the heads: checked, not built
            return;
        }
        Element e(reinterpret_cast<const char*>(localname), self.map_ns(uri));
        e.reserve_attrs(static_cast<size_t>(nb_attributes));
        for (int i = 0; i < nb_attributes; ++i) {
            const xmlChar** a = attributes + i * 5;
            const auto* name = reinterpret_cast<const char*>(a[0]);
            const auto* aprefix = reinterpret_cast<const char*>(a[1]);
            const auto* auri = reinterpret_cast<const char*>(a[2]);
            std::string value(reinterpret_cast<const char*>(a[3]),
                              static_cast<size_t>(a[4] - a[3]));
            if (auri != nullptr && ns::kXml == auri) {
                e.set_attr(Attribute{std::string("xml:") + name, std::move(value), {}});
            } else if (auri != nullptr) {
                (void)aprefix;
                e.set_attr(Attribute{name, std::move(value), auri});
            } else {
                e.set_attr(Attribute{name, std::move(value), {}});
            }
        }
        if (self.depth == 0 && self.owner.waking_) {
            // The stream header again, for a parser woken from hibernation:
            // the consumer saw it when it first arrived.
            self.depth = 1;
            const xmlParserInput* in = self.ctxt->input;
            self.boundary = self.consumed() + (in && in->cur && *in->cur == '>' ? 1 : 0);
            return;
        }
        if (self.depth == 0) {
            StreamEvent ev{StreamEvent::Kind::kOpen, std::move(e), {}, {}, {}, {}, {}};
            if (const char* d = default_declared(nb_namespaces, namespaces)) ev.default_ns = d;
            self.owner.opened_ = true;
            self.owner.events_.push_back(std::move(ev));
            self.depth = 1;
            // libxml2 reports a start tag before stepping over its '>'.
            const xmlParserInput* in = self.ctxt->input;
            self.boundary = self.consumed() + (in && in->cur && *in->cur == '>' ? 1 : 0);
            // The header often comes in one read with the first stanzas;
            // what follows it is no part of it (see read_whole()).
            auto& header = self.owner.header_;
            header.resize(std::min(header.size(), self.boundary));
            return;
        }
        self.stack.push_back(std::move(e));
        self.first_child.push_back(self.done.size());
        ++self.depth;
    }

    // Hands the element that just ended the children collected for it.
    Element close_element() {
        Element e = std::move(stack.back());
        stack.pop_back();
        const size_t first = first_child.back();
        first_child.pop_back();
        if (done.size() > first) {
            auto& children = e.children();
            children.reserve(done.size() - first);
            children.insert(children.end(), std::make_move_iterator(done.begin() + first),
                            std::make_move_iterator(done.end()));
            done.erase(done.begin() + first, done.end());
        }
        // One large stanza should not leave its scratch space behind.
        if (done.empty() && done.capacity() > 256) done = {};
        return e;
    }

    static void on_end(void* ctx, const xmlChar* /*localname*/, const xmlChar* /*prefix*/,
                       const xmlChar* /*uri*/) {
        Impl& self = of(ctx);
        if (self.owner.failed_) return;
        if (self.depth == 1) {
            self.depth = 0;
            self.owner.closed_ = true;
            self.owner.events_.push_back(
                StreamEvent{StreamEvent::Kind::kClose, {}, {}, {}, {}, {}, {}});
            self.boundary = self.consumed();
            return;
        }
        --self.depth;
        while (!self.prefixes.empty() && self.prefixes.back().first > self.depth) {
            self.prefixes.pop_back();
        }
        if (self.skipped(self.depth + 1)) return;
        if (self.depth == kTopLevel && self.owner.head_levels_ >= 2) {
            self.child_offsets.emplace_back(self.child_ok ? self.child_begin : 0,
                                            self.child_ok ? self.consumed() : 0);
        }
        Element element = self.close_element();
        if (self.depth == 1) {
            // The whole element may have arrived in one chunk: measure it here
            // as well as between chunks.
            const size_t end = self.consumed();
            if (end - self.boundary > self.owner.limits_.max_stanza_bytes) {
                self.fail("policy-violation", "stanza too large");
                return;
            }
            std::string raw;
            std::vector<StreamEvent::Span> spans;
            if (self.raw_ok) {
                raw = self.raw_between(self.boundary, end);
                spans = self.child_spans(end - raw.size());
            } else if (self.owner.head_levels_ > 0) {
                // Its bytes cannot be relayed, so its head is not enough.
                auto whole = self.owner.read_whole(self.raw_between(self.boundary, end));
                if (!whole) {
                    self.fail("internal-server-error", "cannot read an element again");
                    return;
                }
                element = std::move(*whole);
            }
            StreamEvent ev{StreamEvent::Kind::kElement, std::move(element), {}, {}, {}, {}, {}};
            ev.raw = std::move(raw);
            ev.child_spans = std::move(spans);
            ev.partial = self.raw_ok && self.partial;
            self.owner.events_.push_back(std::move(ev));
            self.boundary = end;
        } else {
            self.done.push_back(Node{std::move(element)});
        }
    }

    static void on_characters(void* ctx, const xmlChar* ch, int len) {
        Impl& self = of(ctx);
        if (self.owner.failed_) return;
        std::string_view text(reinterpret_cast<const char*>(ch), static_cast<size_t>(len));
        if (self.skipped(self.depth)) return;
        if (self.depth >= 2) {
            // Adjacent runs make one text child, as Element::add_text does.
            if (text.empty()) return;
            if (self.done.size() > self.first_child.back() && self.done.back().is_text()) {
                self.done.back().text().append(text);
            } else {
                self.done.push_back(Node{std::string(text)});
            }
            return;
        }
        // Between top-level elements only whitespace may appear (RFC 6120 §11.7).
        if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
            self.fail("bad-format", "character data outside any stanza");
            return;
        }
        if (self.depth == 1) self.boundary = self.consumed();
    }

    static void restricted(void* ctx, const char* what) {
        of(ctx).fail("restricted-xml", what);
    }
    static void on_comment(void* ctx, const xmlChar*) { restricted(ctx, "comment"); }
    static void on_pi(void* ctx, const xmlChar*, const xmlChar*) {
        restricted(ctx, "processing instruction");
    }
    static void on_subset(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
        restricted(ctx, "document type declaration");
    }
    static void on_entity_decl(void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*,
                               xmlChar*) {
        restricted(ctx, "entity declaration");
    }
    static void on_reference(void* ctx, const xmlChar*) { restricted(ctx, "entity reference"); }
    static xmlEntity* on_get_entity(void* ctx, const xmlChar*) {
        // Only the five predefined entities exist; libxml2 resolves those
        // before asking. Anything else is an undeclared entity.
        restricted(ctx, "entity reference");
        return nullptr;
    }

    static void on_error(void* data, const xmlError* error) {
        auto* ctxt = static_cast<xmlParserCtxt*>(data);
        if (error == nullptr || error->level < XML_ERR_ERROR || ctxt == nullptr) return;
        Impl& self = *static_cast<Impl*>(ctxt->_private);
        std::string msg = error->message ? error->message : "XML error";
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        self.fail("not-well-formed", std::move(msg));
    }

    void init_sax() {
        std::memset(&sax, 0, sizeof sax);
        sax.initialized = XML_SAX2_MAGIC;
        sax.startElementNs = on_start;
        sax.endElementNs = on_end;
        sax.characters = on_characters;
        sax.cdataBlock = on_characters;
        sax.ignorableWhitespace = on_characters;
        sax.comment = on_comment;
        sax.processingInstruction = on_pi;
        sax.internalSubset = on_subset;
        sax.externalSubset = on_subset;
        sax.entityDecl = on_entity_decl;
        sax.reference = on_reference;
        sax.getEntity = on_get_entity;
        sax.getParameterEntity = on_get_entity;
        sax.serror = reinterpret_cast<xmlStructuredErrorFunc>(on_error);
    }
};

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
    xmlCtxtUseOptions(c, XML_PARSE_NONET | XML_PARSE_NOENT | XML_PARSE_IGNORE_ENC |
                             XML_PARSE_NOCDATA);
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
    trailing_space_ = last == std::string_view::npos ? trailing_space_ + data.size()
                                                     : data.size() - last - 1;
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
            case StreamEvent::Kind::kOpen: break;
            case StreamEvent::Kind::kElement:
                ++elements;
                result = std::move(ev->element);
                break;
            case StreamEvent::Kind::kClose: closed = true; break;
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
