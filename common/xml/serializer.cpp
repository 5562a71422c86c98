// Serializer: escaping, namespace declarations, and the stanza-namespace
// mapping described in serializer.hpp.
#include "xml/serializer.hpp"

#include "ns.hpp"

namespace jng::xml {
namespace {

// XML 1.0 §2.2: control characters other than TAB, LF and CR cannot appear in
// a document at all, escaped or not. Text built inside the suite (database
// rows, generated strings) could contain them; they are dropped rather than
// producing a stream the peer must reject.
bool is_forbidden_control(unsigned char c) {
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

template <bool kAttr>
void append_escaped(std::string& out, std::string_view s) {
    size_t run = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        std::string_view rep;
        switch (c) {
            case '&': rep = "&amp;"; break;
            case '<': rep = "&lt;"; break;
            case '>': rep = "&gt;"; break;
            case '\'': if (kAttr) rep = "&apos;"; break;
            case '"': if (kAttr) rep = "&quot;"; break;
            // Attribute-value normalization would turn raw whitespace into
            // spaces; character references survive it.
            case '\n': if (kAttr) rep = "&#10;"; break;
            case '\r': rep = "&#13;"; break;
            case '\t': if (kAttr) rep = "&#9;"; break;
            default:
                if (is_forbidden_control(c)) rep = std::string_view("", 0);
                else continue;
        }
        if (rep.data() == nullptr) continue;  // no replacement for this char here
        out.append(s.substr(run, i - run));
        out.append(rep);
        run = i + 1;
    }
    out.append(s.substr(run));
}

struct Writer {
    std::string& out;
    std::string_view content_ns;  // empty: standalone
    bool in_stream;
    std::string_view prefixed_ns = {};  // see StreamContext
    std::string_view prefix = {};

    // The namespace an element is written in: a stanza at the stream level
    // (and its content) takes the stream's content namespace; a stanza nested
    // in another namespace (a route envelope) stays jabber:client.
    std::string_view effective_ns(const Element& e, std::string_view inherited_ns) const {
        if (in_stream && e.ns() == ns::kClient && !content_ns.empty() &&
            inherited_ns == content_ns) {
            return content_ns;
        }
        return e.ns();
    }

    void write(const Element& e, std::string_view inherited_ns) {
        const std::string_view ens = effective_ns(e, inherited_ns);
        const bool stream_prefixed = ens == ns::kStream;
        const bool header_prefixed = in_stream && !prefixed_ns.empty() && ens == prefixed_ns;
        out.push_back('<');
        if (stream_prefixed) out.append("stream:");
        if (header_prefixed) out.append(prefix).push_back(':');
        out.append(e.name());
        std::string_view child_default = inherited_ns;
        if (stream_prefixed) {
            if (!in_stream) out.append(" xmlns:stream='http://etherx.jabber.org/streams'");
        } else if (header_prefixed) {
            // Declared on the stream header; the default namespace stays.
        } else if (ens != inherited_ns) {
            out.append(" xmlns='");
            append_escaped<true>(out, ens);
            out.push_back('\'');
            child_default = ens;
        } else {
            child_default = ens;
        }
        int prefix_counter = 0;
        for (const auto& a : e.attrs()) {
            out.push_back(' ');
            if (!a.ns.empty() && a.ns != ns::kXml) {
                const std::string prefix = "a" + std::to_string(prefix_counter++);
                out.append("xmlns:").append(prefix).append("='");
                append_escaped<true>(out, a.ns);
                out.append("' ").append(prefix).push_back(':');
            }
            out.append(a.name);
            out.append("='");
            append_escaped<true>(out, a.value);
            out.push_back('\'');
        }
        if (e.children().empty()) {
            out.append("/>");
            return;
        }
        out.push_back('>');
        for (const auto& n : e.children()) {
            if (n.is_text()) {
                append_escaped<false>(out, n.text());
            } else {
                write(n.element(), child_default);
            }
        }
        out.append("</");
        if (stream_prefixed) out.append("stream:");
        if (header_prefixed) out.append(prefix).push_back(':');
        out.append(e.name());
        out.push_back('>');
    }
};

}  // namespace

void append_escaped_text(std::string& out, std::string_view text) {
    append_escaped<false>(out, text);
}

void append_escaped_attr(std::string& out, std::string_view value) {
    append_escaped<true>(out, value);
}

void serialize(const Element& element, std::string& out) {
    Writer{out, {}, false}.write(element, {});
}

std::string to_string(const Element& element) {
    std::string out;
    serialize(element, out);
    return out;
}

void serialize(const Element& element, std::string& out, const StreamContext& context) {
    Writer{out, context.content_ns, true, context.prefixed_ns, context.prefix}.write(
        element, context.content_ns);
}

void serialize(const Element& element, std::string& out, const StreamContext& context,
               std::string_view parent_ns) {
    Writer{out, context.content_ns, true, context.prefixed_ns, context.prefix}.write(element,
                                                                                     parent_ns);
}

std::string to_string(const Element& element, const StreamContext& context) {
    std::string out;
    serialize(element, out, context);
    return out;
}

std::string stream_header(std::string_view content_ns, const Element& attributes_from) {
    std::string out;
    out.reserve(256);
    out.append(kXmlDeclaration);
    out.append("<stream:stream xmlns='");
    append_escaped<true>(out, content_ns);
    out.append("' xmlns:stream='http://etherx.jabber.org/streams'");
    for (const auto& a : attributes_from.attrs()) {
        out.push_back(' ');
        out.append(a.name);
        out.append("='");
        append_escaped<true>(out, a.value);
        out.push_back('\'');
    }
    out.push_back('>');
    return out;
}

}  // namespace jng::xml
