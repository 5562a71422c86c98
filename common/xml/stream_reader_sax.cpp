// StreamReader's SAX2 handlers (stream_reader_sax.hpp).
#include "xml/stream_reader_sax.hpp"

#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "ns.hpp"

namespace jng::xml {
namespace {
// The reader's depth inside a top-level element: 1 is between them.
constexpr size_t kTopLevel = 2;
}  // namespace

std::string StreamReader::Impl::map_ns(const xmlChar* uri) const {
    if (uri == nullptr) return {};
    const auto* s = reinterpret_cast<const char*>(uri);
    if (!owner.content_ns_.empty() && owner.content_ns_ == s) return std::string(ns::kClient);
    return std::string(s);
}

void StreamReader::Impl::fail(std::string condition, std::string text) {
    if (!owner.failed_) owner.fail(std::move(condition), std::move(text));
    xmlStopParser(ctxt.get());
}

bool StreamReader::Impl::names_short(const xmlChar* localname, const xmlChar* prefix,
                                     const xmlChar* uri, int nb_namespaces,
                                     const xmlChar** namespaces, int nb_attributes,
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

void StreamReader::Impl::note_prefixes(const xmlChar* prefix, int nb_namespaces,
                                       const xmlChar** namespaces, int nb_attributes,
                                       const xmlChar** attributes) {
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

size_t StreamReader::Impl::declared_at(const xmlChar* p) const {
    if (p == nullptr || xmlStrEqual(p, BAD_CAST "xml")) return SIZE_MAX;
    for (auto it = prefixes.rbegin(); it != prefixes.rend(); ++it) {
        if (xmlStrEqual(it->second, p)) return it->first;
    }
    return 0;
}

void StreamReader::Impl::begin_child(const xmlChar* uri, int nb_namespaces,
                                     const xmlChar** namespaces) {
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

const char* StreamReader::Impl::default_declared(int nb_namespaces, const xmlChar** namespaces) {
    for (int i = 0; i < nb_namespaces; ++i) {
        if (namespaces[2 * i] == nullptr && namespaces[2 * i + 1] != nullptr) {
            return reinterpret_cast<const char*>(namespaces[2 * i + 1]);
        }
    }
    return nullptr;
}

bool StreamReader::Impl::skipped(size_t level) const {
    return owner.head_levels_ > 0 && level > kTopLevel + owner.head_levels_ - 1;
}

std::vector<StreamEvent::Span> StreamReader::Impl::child_spans(size_t begin) const {
    std::vector<StreamEvent::Span> spans;
    spans.reserve(child_offsets.size());
    for (const auto& [from, to] : child_offsets) {
        spans.push_back(from < begin || to <= from ? StreamEvent::Span{}
                                                   : StreamEvent::Span{from - begin, to - from});
    }
    return spans;
}

std::string StreamReader::Impl::raw_between(size_t begin, size_t end) const {
    if (begin < raw_base || end < begin || end - raw_base > raw.size()) return {};
    std::string_view bytes(raw.data() + (begin - raw_base), end - begin);
    const size_t first = bytes.find_first_not_of(" \t\r\n");
    return first == std::string_view::npos ? std::string() : std::string(bytes.substr(first));
}

void StreamReader::Impl::drop_raw_before(size_t offset) {
    if (offset <= raw_base) return;
    raw.erase(0, std::min(offset - raw_base, raw.size()));
    raw_base = offset;
    // One large stanza should not leave its buffer behind.
    if (raw.empty() && raw.capacity() > 64 * 1024) raw.shrink_to_fit();
}

void StreamReader::Impl::on_start(void* ctx, const xmlChar* localname, const xmlChar* prefix,
                                  const xmlChar* uri, int nb_namespaces, const xmlChar** namespaces,
                                  int nb_attributes, int /*nb_defaulted*/,
                                  const xmlChar** attributes) {
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
        std::string value(reinterpret_cast<const char*>(a[3]), static_cast<size_t>(a[4] - a[3]));
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

Element StreamReader::Impl::close_element() {
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

void StreamReader::Impl::on_end(void* ctx, const xmlChar* /*localname*/, const xmlChar* /*prefix*/,
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

void StreamReader::Impl::on_characters(void* ctx, const xmlChar* ch, int len) {
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

void StreamReader::Impl::restricted(void* ctx, const char* what) {
    of(ctx).fail("restricted-xml", what);
}

void StreamReader::Impl::on_comment(void* ctx, const xmlChar*) {
    restricted(ctx, "comment");
}

void StreamReader::Impl::on_pi(void* ctx, const xmlChar*, const xmlChar*) {
    restricted(ctx, "processing instruction");
}

void StreamReader::Impl::on_subset(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
    restricted(ctx, "document type declaration");
}

void StreamReader::Impl::on_entity_decl(void* ctx, const xmlChar*, int, const xmlChar*,
                                        const xmlChar*, xmlChar*) {
    restricted(ctx, "entity declaration");
}

void StreamReader::Impl::on_reference(void* ctx, const xmlChar*) {
    restricted(ctx, "entity reference");
}

xmlEntity* StreamReader::Impl::on_get_entity(void* ctx, const xmlChar*) {
    // Only the five predefined entities exist; libxml2 resolves those
    // before asking. Anything else is an undeclared entity.
    restricted(ctx, "entity reference");
    return nullptr;
}

void StreamReader::Impl::on_error(void* data, const xmlError* error) {
    auto* ctxt = static_cast<xmlParserCtxt*>(data);
    if (error == nullptr || error->level < XML_ERR_ERROR || ctxt == nullptr) return;
    Impl& self = *static_cast<Impl*>(ctxt->_private);
    std::string msg = error->message ? error->message : "XML error";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    self.fail("not-well-formed", std::move(msg));
}

void StreamReader::Impl::init_sax() {
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

}  // namespace jng::xml
