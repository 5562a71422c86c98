// Config parsing on libxml2's DOM (line numbers come from it), and the Reader.
#include "config.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace jng::config {
namespace {

struct DocDeleter {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct CtxtDeleter {
    void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

std::unique_ptr<Node> convert(const xmlNode* x) {
    auto n = std::make_unique<Node>();
    n->name = reinterpret_cast<const char*>(x->name);
    n->line = static_cast<int>(xmlGetLineNo(x));
    for (const xmlAttr* a = x->properties; a; a = a->next) {
        xmlChar* v = xmlNodeListGetString(x->doc, a->children, 1);
        n->attrs.emplace_back(reinterpret_cast<const char*>(a->name),
                              v ? reinterpret_cast<const char*>(v) : "");
        xmlFree(v);
    }
    std::string text;
    for (const xmlNode* c = x->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            n->children.push_back(convert(c));
        } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            text += reinterpret_cast<const char*>(c->content);
        }
    }
    n->text = trim(text);
    return n;
}

}  // namespace

const Node* Node::child(std::string_view n) const {
    for (const auto& c : children) {
        if (c->name == n) return c.get();
    }
    return nullptr;
}

std::vector<const Node*> Node::children_named(std::string_view n) const {
    std::vector<const Node*> out;
    for (const auto& c : children) {
        if (c->name == n) out.push_back(c.get());
    }
    return out;
}

const std::string* Node::attr(std::string_view n) const {
    for (const auto& [k, v] : attrs) {
        if (k == n) return &v;
    }
    return nullptr;
}

Result<Document> Document::parse(std::string_view text, std::string source_name) {
    std::unique_ptr<xmlParserCtxt, CtxtDeleter> ctxt(xmlNewParserCtxt());
    if (!ctxt) return fail(source_name + ": cannot create XML parser");
    // No network, no DTD loading, no entity substitution: a config file is
    // plain XML and nothing else is fetched or expanded.
    std::unique_ptr<xmlDoc, DocDeleter> doc(xmlCtxtReadMemory(
        ctxt.get(), text.data(), static_cast<int>(text.size()), source_name.c_str(), nullptr,
        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
    if (!doc) {
        const xmlError* e = xmlCtxtGetLastError(ctxt.get());
        std::string msg = e && e->message ? trim(e->message) : "not well-formed XML";
        const int line = e ? e->line : 0;
        return fail(source_name + ":" + std::to_string(line) + ": " + msg);
    }
    if (doc->intSubset || doc->extSubset) {
        return fail(source_name + ":1: document type declarations are not allowed");
    }
    const xmlNode* root = xmlDocGetRootElement(doc.get());
    if (!root) return fail(source_name + ":1: no root element");
    Document d;
    d.source_ = std::move(source_name);
    d.root_ = convert(root);
    return d;
}

Result<Document> Document::load(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return fail(path + ": cannot open: " + std::strerror(errno));
    std::string text;
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        text.append(buf, n);
        if (text.size() > 16 * 1024 * 1024) {
            std::fclose(f);
            return fail(path + ": larger than 16 MiB");
        }
    }
    std::fclose(f);
    return parse(text, path);
}

std::string Document::where(const Node& node) const {
    return source_ + ":" + std::to_string(node.line);
}

Reader::Found Reader::find(std::string_view path) {
    const Node* cur = base_ ? base_ : &doc_.root();
    std::string_view attr;
    if (const auto at = path.find('@'); at != std::string_view::npos) {
        attr = path.substr(at + 1);
        path = path.substr(0, at);
    }
    while (!path.empty()) {
        const auto slash = path.find('/');
        const std::string_view part = path.substr(0, slash);
        cur = cur->child(part);
        if (!cur) return {};
        seen_->insert(cur);
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    }
    Found f{cur, nullptr, &cur->text};
    if (!attr.empty()) {
        f.attr = cur->attr(attr);
        if (!f.attr) return {};
        seen_->insert(f.attr);
        f.value = f.attr;
    }
    return f;
}

std::string Reader::string(std::string_view path, std::string_view fallback) {
    const auto f = find(path);
    return f.value ? *f.value : std::string(fallback);
}

std::optional<std::string> Reader::optional_string(std::string_view path) {
    const auto f = find(path);
    if (!f.value) return std::nullopt;
    return *f.value;
}

std::string Reader::required_string(std::string_view path) {
    const auto f = find(path);
    if (!f.value || f.value->empty()) {
        const Node& at = f.node ? *f.node : (base_ ? *base_ : doc_.root());
        error(at, "'" + std::string(path) + "' is required");
        return {};
    }
    return *f.value;
}

int64_t Reader::integer(std::string_view path, int64_t fallback, int64_t min, int64_t max) {
    const auto f = find(path);
    if (!f.value) return fallback;
    int64_t v = 0;
    const auto* b = f.value->data();
    const auto* e = b + f.value->size();
    const auto [p, ec] = std::from_chars(b, e, v);
    if (ec != std::errc() || p != e) {
        error(*f.node, "'" + std::string(path) + "' must be an integer, not '" + *f.value + "'");
        return fallback;
    }
    if (v < min || v > max) {
        error(*f.node, "'" + std::string(path) + "' must be between " + std::to_string(min) +
                           " and " + std::to_string(max) + ", not " + std::to_string(v));
        return fallback;
    }
    return v;
}

bool Reader::boolean(std::string_view path, bool fallback) {
    const auto f = find(path);
    if (!f.value) return fallback;
    const std::string& v = *f.value;
    // An empty element (<register/>) switches a flag on, as in jabberd2.
    if (v.empty() && !f.attr) return true;
    if (v == "true" || v == "yes" || v == "1" || v == "on") return true;
    if (v == "false" || v == "no" || v == "0" || v == "off") return false;
    error(*f.node, "'" + std::string(path) + "' must be true or false, not '" + v + "'");
    return fallback;
}

std::string Reader::choice(std::string_view path, std::string_view fallback,
                           const std::vector<std::string_view>& choices) {
    const auto f = find(path);
    if (!f.value) return std::string(fallback);
    for (auto c : choices) {
        if (c == *f.value) return *f.value;
    }
    std::string list;
    for (auto c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
    error(*f.node, "'" + std::string(path) + "' must be one of " + list + ", not '" + *f.value + "'");
    return std::string(fallback);
}

std::vector<const Node*> Reader::all(std::string_view path) {
    std::string_view parent_path, leaf = path;
    if (const auto slash = path.rfind('/'); slash != std::string_view::npos) {
        parent_path = path.substr(0, slash);
        leaf = path.substr(slash + 1);
    }
    const Node* parent = base_ ? base_ : &doc_.root();
    if (!parent_path.empty()) {
        parent = find(parent_path).node;
        if (!parent) return {};
    }
    auto out = parent->children_named(leaf);
    for (const Node* n : out) seen_->insert(n);
    return out;
}

const Node* Reader::node(std::string_view path) { return find(path).node; }

Reader Reader::at(const Node& base) {
    seen_->insert(&base);
    return Reader(doc_, &base, errors_, seen_);
}

void Reader::consume(const Node& node) {
    seen_->insert(&node);
    for (const auto& [k, v] : node.attrs) seen_->insert(&v);
    for (const auto& c : node.children) consume(*c);
}

void Reader::error(const Node& node, std::string_view message) {
    errors_->push_back(doc_.where(node) + ": " + std::string(message));
}

void Reader::error(std::string_view message) {
    errors_->push_back(doc_.source() + ": " + std::string(message));
}

void Reader::reject_unknown() {
    auto walk = [&](auto& self, const Node& n) -> void {
        for (const auto& [k, v] : n.attrs) {
            if (!seen_->count(&v)) error(n, "unknown attribute '" + k + "' on <" + n.name + ">");
        }
        for (const auto& c : n.children) {
            if (!seen_->count(c.get())) {
                error(*c, "unknown setting <" + c->name + "> in <" + n.name + ">");
            } else {
                self(self, *c);
            }
        }
    };
    walk(walk, doc_.root());
}

}  // namespace jng::config
