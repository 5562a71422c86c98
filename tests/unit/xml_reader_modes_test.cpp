// The stream reader's modes (whole elements with their bytes, heads only,
// child heads) against each other on generated streams: random namespaces
// declared at every level, prefixes leaning on the header or the envelope,
// escapes, CDATA and multi-byte text, fed in random pieces. Whatever a mode
// leaves out or hands over as bytes must read back as the whole element,
// and bytes are handed over exactly when the generator knows they stand on
// their own.
#include <algorithm>
#include <catch.hpp>
#include <climits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ns.hpp"
#include "xml/stream_reader.hpp"
#include "xml_reader_util.hpp"

using jng::xml::Element;
using jng::xml::StreamEvent;
using jng::xml::StreamReader;

namespace {

// Levels as the reader counts them: the header's declarations 0, a
// top-level element 2, its children 3.
constexpr int kHeaderLevel = 0;
constexpr int kTop = 2;
constexpr int kChild = 3;

// What the generator knows of an element it wrote.
struct Written {
    std::string xml;
    int lowest = INT_MAX;      // level of the outermost declaration of a prefix used inside
    bool own_default = false;  // declares a non-empty default namespace itself
    std::string ns;
};

struct Top {
    Written element;
    std::vector<Written> children;  // its child elements, in order
};

// A prefix in scope: where it was declared, and its namespace.
struct Binding {
    int level;
    std::string uri;
};
using Scope = std::map<std::string, Binding>;

class Generator {
public:
    explicit Generator(uint32_t seed) : rng_(seed) {}

    // A top-level element: up to three children, elements or text, each
    // with up to three of its own, four levels deep.
    Top top() {
        children_.clear();
        Top t;
        t.element = element(kTop, {{"h", {kHeaderLevel, "urn:header"}}}, "jabber:component:accept");
        t.children = std::move(children_);
        return t;
    }

private:
    bool chance(int percent) { return std::uniform_int_distribution<int>(0, 99)(rng_) < percent; }
    size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
    template <class T>
    const T& pick(const std::vector<T>& from) {
        return from[below(from.size())];
    }

    Written element(int level, Scope prefixes, std::string default_ns) {
        Written w;
        std::string decls;
        if (chance(level == kChild ? 60 : 25)) {
            // The stream's own namespace only where the reader reads it as
            // jabber:client (a stanza, or what an envelope carries): below
            // that, bytes and tree would differ by design.
            std::vector<std::string> uris = {"urn:d1", "urn:d2", "jabber:client", ""};
            if (level <= kChild) uris.push_back("jabber:component:accept");
            default_ns = pick(uris);
            decls += " xmlns='" + default_ns + "'";
            w.own_default = !default_ns.empty();
        }
        for (const char* p : {"p", "q"}) {
            if (chance(20)) {
                const std::string uri = pick<std::string>({"urn:p1", "urn:p2"});
                decls += " xmlns:" + std::string(p) + "='" + uri + "'";
                prefixes[p] = {level, uri};
            }
        }
        std::vector<std::string> in_scope;
        for (const auto& [p, at] : prefixes) in_scope.push_back(p);

        std::string name = pick<std::string>({"m", "x", "body", "route"});
        w.ns = default_ns;
        if (chance(12)) {
            const std::string& p = pick(in_scope);
            name = p + ":" + name;
            w.lowest = std::min(w.lowest, prefixes[p].level);
            w.ns = prefixes[p].uri;
        }
        w.xml = "<" + name + decls;
        const size_t attrs = below(4);
        for (size_t i = 0; i < attrs; ++i) {
            // Distinct local names: two prefixes bound to one URI must not
            // make the same attribute twice.
            std::string attr = "a" + std::to_string(i);
            if (i == 0 && chance(15)) {
                attr = "xml:lang";  // bound without a declaration
            } else if (chance(12)) {
                const std::string& p = pick(in_scope);
                attr = p + ":" + attr;
                w.lowest = std::min(w.lowest, prefixes[p].level);
            }
            w.xml += " " + attr + "='" + attribute_value() + "'";
        }
        const size_t children = level < kTop + 3 ? below(4) : 0;
        if (children == 0 && chance(50)) {
            w.xml += "/>";
            return w;
        }
        w.xml += ">";
        for (size_t i = 0; i < children; ++i) {
            if (chance(35)) {
                w.xml += text();
                continue;
            }
            const Written c = element(level + 1, prefixes, default_ns);
            w.xml += c.xml;
            w.lowest = std::min(w.lowest, c.lowest);
            if (level == kTop) children_.push_back(c);
        }
        w.xml += "</" + name + ">";
        return w;
    }

    std::string attribute_value() {
        static const std::vector<std::string> pieces = {
            "v", "1", " ", "&amp;", "&lt;", "&gt;", "&apos;", "\"", "caf\xc3\xa9", "&#x263A;",
        };
        std::string out;
        for (size_t n = below(4); n > 0; --n) out += pick(pieces);
        return out;
    }

    std::string text() {
        static const std::vector<std::string> pieces = {
            "hi",           " ",
            "\n",           "&amp;",
            "&lt;tag&gt;",  "'\"",
            "\xe2\x98\xba", "\xf0\x9d\x84\x9e",
            "&#65;",        "<![CDATA[<not a tag> & ]]>",
        };
        std::string out;
        for (size_t n = 1 + below(3); n > 0; --n) out += pick(pieces);
        return out;
    }

    std::mt19937 rng_;
    std::vector<Written> children_;  // of the top-level element being written
};

// `e` with the element children below `levels` left out, its text kept: a
// head (levels 1) or an element with its children's heads (levels 2).
Element heads_of(const Element& e, int levels) {
    Element out(e.name(), e.ns());
    for (const auto& a : e.attrs()) out.set_attr(a);
    for (const auto& n : e.children()) {
        if (n.is_text()) {
            out.add_text(n.text());
        } else if (levels > 1) {
            out.add_child(heads_of(n.element(), levels - 1));
        }
    }
    return out;
}

bool has_elements_below(const Element& e, int levels) {
    for (const Element& c : e.elements()) {
        if (levels <= 1 || has_elements_below(c, levels - 1)) return true;
    }
    return false;
}

std::unique_ptr<StreamReader> reader_for_mode(int mode) {
    auto r = std::make_unique<StreamReader>(jng::xml::ReaderLimits{},
                                            std::string(jng::ns::kComponentAccept));
    if (mode == 0) r->keep_raw_elements();
    if (mode == 1) r->read_heads_only();
    if (mode == 2) r->read_child_heads();
    return r;
}

std::vector<StreamEvent> feed_in_pieces(StreamReader& r, std::string_view all, std::mt19937& rng) {
    std::vector<StreamEvent> out;
    std::uniform_int_distribution<size_t> piece(1, 96);
    for (size_t at = 0; at < all.size();) {
        const size_t n = std::min(piece(rng), all.size() - at);
        r.feed(all.substr(at, n));
        at += n;
        for (auto& e : jng::test::drain(r)) out.push_back(std::move(e));
    }
    return out;
}

}  // namespace

TEST_CASE("the reader's modes agree on generated streams") {
    constexpr int kStreams = 300;
    constexpr int kPerStream = 4;
    size_t with_bytes = 0, leaning = 0, children_with_bytes = 0, children_without = 0;
    for (uint32_t seed = 1; seed <= kStreams; ++seed) {
        Generator gen(seed);
        std::string all = jng::test::kComponentHeader;
        std::vector<Top> tops;
        for (int i = 0; i < kPerStream; ++i) {
            tops.push_back(gen.top());
            all += tops.back().element.xml + " \n";
        }
        INFO("seed " << seed << ": " << all);
        std::mt19937 split(seed);
        std::vector<std::vector<StreamEvent>> by_mode;
        std::vector<std::unique_ptr<StreamReader>> readers;
        for (int mode = 0; mode < 3; ++mode) {
            readers.push_back(reader_for_mode(mode));
            by_mode.push_back(feed_in_pieces(*readers.back(), all, split));
            REQUIRE(jng::test::error_of(by_mode.back()).empty());
            REQUIRE(by_mode.back().size() == kPerStream + 1);
        }
        for (int i = 0; i < kPerStream; ++i) {
            const Written& w = tops[i].element;
            const StreamEvent& full = by_mode[0][i + 1];
            INFO("element " << i << ": " << w.xml);
            REQUIRE(full.kind == StreamEvent::Kind::kElement);
            const bool stands = w.lowest >= kTop;
            (stands ? with_bytes : leaning)++;
            for (int mode = 0; mode < 3; ++mode) {
                const StreamEvent& ev = by_mode[mode][i + 1];
                INFO("mode " << mode);
                CHECK(ev.raw == (stands ? w.xml : std::string()));
                if (!stands) {
                    // Leaning on the header: whole, as without heads.
                    CHECK(ev.element == full.element);
                    CHECK_FALSE(ev.partial);
                    CHECK(ev.child_spans.empty());
                    continue;
                }
                CHECK(readers[mode]->read_whole(ev.raw) == full.element);
                if (mode == 0) continue;
                CHECK(ev.element == heads_of(full.element, mode));
                CHECK(ev.partial == has_elements_below(full.element, mode));
            }
            if (!stands) continue;
            // The children's bytes: exactly those that stand on their own,
            // and they read alone as the child the whole reader built.
            const StreamEvent& ch = by_mode[2][i + 1];
            const std::vector<Written>& children = tops[i].children;
            REQUIRE(ch.child_spans.size() == children.size());
            size_t k = 0;
            for (const Element& child : full.element.elements()) {
                const Written& c = children[k];
                INFO("child " << k << ": " << c.xml);
                const bool alone =
                    c.own_default && c.ns != jng::ns::kComponentAccept && c.lowest > kTop;
                (alone ? children_with_bytes : children_without)++;
                CHECK(ch.child_raw(k) == (alone ? c.xml : std::string()));
                if (alone) CHECK(jng::test::must_parse(c.xml) == child);
                ++k;
            }
            CHECK(k == children.size());
        }
    }
    // The generator reached every case it is there for.
    CHECK(with_bytes > 300);
    CHECK(leaning > 300);
    CHECK(children_with_bytes > 80);
    CHECK(children_without > 150);
}
