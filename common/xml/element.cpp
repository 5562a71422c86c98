// Element tree operations.
#include "xml/element.hpp"

#include <algorithm>

namespace jng::xml {

const std::string* Element::find_attr(std::string_view name) const {
    for (const auto& a : attrs_) {
        if (a.name == name) return &a.value;
    }
    return nullptr;
}

std::string_view Element::attr(std::string_view name, std::string_view fallback) const {
    const std::string* v = find_attr(name);
    return v ? std::string_view(*v) : fallback;
}

Element& Element::set_attr(std::string_view name, std::string_view value) {
    for (auto& a : attrs_) {
        if (a.name == name) {
            a.value.assign(value);
            return *this;
        }
    }
    attrs_.push_back(Attribute{std::string(name), std::string(value), {}});
    return *this;
}

Element& Element::set_attr(Attribute attribute) {
    for (auto& a : attrs_) {
        if (a.name == attribute.name && a.ns == attribute.ns) {
            a.value = std::move(attribute.value);
            return *this;
        }
    }
    attrs_.push_back(std::move(attribute));
    return *this;
}

bool Element::remove_attr(std::string_view name) {
    const auto it = std::find_if(attrs_.begin(), attrs_.end(),
                                 [&](const Attribute& a) { return a.name == name; });
    if (it == attrs_.end()) return false;
    attrs_.erase(it);
    return true;
}

Element& Element::add_child(Element child) {
    children_.push_back(Node{std::move(child)});
    return children_.back().element();
}

Element& Element::add(std::string_view name, std::string_view ns) {
    return add_child(Element(name, ns.empty() ? std::string_view(ns_) : ns));
}

Element& Element::add_text(std::string_view text) {
    if (text.empty()) return *this;
    // Adjacent runs are merged so text() and equality do not depend on how
    // the parser happened to split character data.
    if (!children_.empty() && children_.back().is_text()) {
        children_.back().text().append(text);
    } else {
        children_.push_back(Node{std::string(text)});
    }
    return *this;
}

Element& Element::add_text_child(std::string_view name, std::string_view text) {
    Element& c = add(name);
    c.add_text(text);
    return c;
}

namespace {
bool matches(const Element& e, std::string_view name, std::string_view ns) {
    return e.name() == name && (ns.empty() || e.ns() == ns);
}
}  // namespace

const Element* Element::child(std::string_view name, std::string_view ns) const {
    for (const Element& e : elements()) {
        if (matches(e, name, ns)) return &e;
    }
    return nullptr;
}

Element* Element::child(std::string_view name, std::string_view ns) {
    for (Element& e : elements()) {
        if (matches(e, name, ns)) return &e;
    }
    return nullptr;
}

const Element* Element::child_in(std::string_view ns) const {
    for (const Element& e : elements()) {
        if (e.ns() == ns) return &e;
    }
    return nullptr;
}

const Element* Element::first_element() const {
    for (const Element& e : elements()) return &e;
    return nullptr;
}

Element* Element::first_element() {
    for (Element& e : elements()) return &e;
    return nullptr;
}

size_t Element::remove_children(std::string_view name, std::string_view ns) {
    const auto before = children_.size();
    std::erase_if(children_,
                  [&](const Node& n) { return n.is_element() && matches(n.element(), name, ns); });
    return before - children_.size();
}

std::string Element::text() const {
    std::string out;
    for (const auto& n : children_) {
        if (n.is_text()) out += n.text();
    }
    return out;
}

std::string Element::child_text(std::string_view name, std::string_view ns) const {
    const Element* c = child(name, ns);
    return c ? c->text() : std::string();
}

size_t Element::weight() const {
    size_t w = sizeof(Element) + name_.size() + ns_.size();
    for (const auto& a : attrs_) w += sizeof(Attribute) + a.name.size() + a.value.size();
    for (const auto& n : children_) {
        w += n.is_element() ? n.element().weight() : sizeof(Node) + n.text().size();
    }
    return w;
}

bool Element::operator==(const Element& other) const {
    if (name_ != other.name_ || ns_ != other.ns_ || children_ != other.children_) return false;
    if (attrs_.size() != other.attrs_.size()) return false;
    // Attribute order carries no meaning in XML.
    for (const auto& a : attrs_) {
        const auto it = std::find_if(other.attrs_.begin(), other.attrs_.end(), [&](const auto& b) {
            return b.name == a.name && b.ns == a.ns;
        });
        if (it == other.attrs_.end() || it->value != a.value) return false;
    }
    return true;
}

}  // namespace jng::xml
