// The libxml2 side of StreamReader: the SAX2 handlers that turn the push
// parser's callbacks into elements and stream events, enforce the
// restrictions and limits, and track where the raw bytes of elements lie.
// Private to the reader (stream_reader.cpp, stream_reader_sax.cpp).
#pragma once

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xml/stream_reader.hpp"

namespace jng::xml {

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
    size_t names_added = 0;  // to the dictionary by what was fed, not by a woken header
    // The top-level element being built and its open descendants; the
    // children completed so far of all of them, in document order; and for
    // each open element, where its own children begin in `done`. An element
    // takes its children in one piece when it ends: one allocation of the
    // right size, where appending one by one grew the vector step by step.
    std::vector<Element> stack;
    std::vector<Node> done;
    std::vector<size_t> first_child;
    size_t depth = 0;     // 0: before the stream element; 1: between stanzas
    size_t fed = 0;       // bytes given to this parser
    size_t boundary = 0;  // parser offset just after the last complete top-level item
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

    std::string map_ns(const xmlChar* uri) const;

    void fail(std::string condition, std::string text);

    // Every name libxml2 just interned for this start tag is short: XMPP
    // never needs a long one, and each is kept in the dictionary.
    bool names_short(const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri,
                     int nb_namespaces, const xmlChar** namespaces, int nb_attributes,
                     const xmlChar** attributes) const;

    // An element whose bytes use a prefix declared on the stream header
    // would be unbound once relayed onto another stream; a child element's,
    // one declared on the element around it.
    void note_prefixes(const xmlChar* prefix, int nb_namespaces, const xmlChar** namespaces,
                       int nb_attributes, const xmlChar** attributes);

    // The level of the innermost declaration in scope of a prefix in use:
    // 0 for the stream header's, SIZE_MAX for one that needs none.
    size_t declared_at(const xmlChar* p) const;

    // A child element of a top-level one starts; its start tag began at the
    // last '<' before libxml2's position, as no '<' can appear inside one.
    void begin_child(const xmlChar* uri, int nb_namespaces, const xmlChar** namespaces);

    // The default namespace a start tag declares (libxml2's namespaces:
    // prefix, URI pairs), if it declares one.
    static const char* default_declared(int nb_namespaces, const xmlChar** namespaces);

    // Whether the elements at `level` (a top-level element's is kTopLevel)
    // are only checked: those below the heads when heads are read.
    bool skipped(size_t level) const;

    // The children's bytes as spans of the element's bytes, which begin at
    // parser offset `begin`.
    std::vector<StreamEvent::Span> child_spans(size_t begin) const;

    // The bytes from parser offset `begin` to `end`, without the whitespace
    // that preceded the element.
    std::string raw_between(size_t begin, size_t end) const;

    // Lets go of the bytes before parser offset `offset`: no element still
    // to be handed out begins before it.
    void drop_raw_before(size_t offset);

    // Hands the element that just ended the children collected for it.
    Element close_element();

    // Sets `sax` to the handlers below.
    void init_sax();

    // libxml2's callbacks; `ctx` is the parser context, whose _private
    // points to the Impl.
    static void on_start(void* ctx, const xmlChar* localname, const xmlChar* prefix,
                         const xmlChar* uri, int nb_namespaces, const xmlChar** namespaces,
                         int nb_attributes, int /*nb_defaulted*/, const xmlChar** attributes);
    static void on_end(void* ctx, const xmlChar* /*localname*/, const xmlChar* /*prefix*/,
                       const xmlChar* /*uri*/);
    static void on_characters(void* ctx, const xmlChar* ch, int len);
    static void on_error(void* data, const xmlError* error);
    // What RFC 6120 §11 rules out of a stream: each fails it (restricted-xml).
    static void restricted(void* ctx, const char* what);
    static void on_comment(void* ctx, const xmlChar*);
    static void on_pi(void* ctx, const xmlChar*, const xmlChar*);
    static void on_subset(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*);
    static void on_entity_decl(void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*,
                               xmlChar*);
    static void on_reference(void* ctx, const xmlChar*);
    static xmlEntity* on_get_entity(void* ctx, const xmlChar*);
};

}  // namespace jng::xml
