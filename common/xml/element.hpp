// The element tree every stanza becomes: name, namespace, attributes, and an
// ordered list of children that are elements or text. Small on purpose.
#pragma once

#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace jng::xml {

struct Attribute {
    std::string name;   // local name; "xml:lang" for the xml namespace
    std::string value;
    std::string ns;     // empty for unqualified attributes (nearly all of XMPP)
};

class Element;

// A child is either an element or a run of character data.
struct Node;

// The element children of an element, in order: its children with the text
// stepped over. Written out rather than made of std::views, which clang 14
// cannot compile with libstdc++ 12.
template <typename NodeIt, typename E>
class ChildElements {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::remove_const_t<E>;
        using difference_type = std::ptrdiff_t;
        using pointer = E*;
        using reference = E&;

        iterator() = default;
        iterator(NodeIt at, NodeIt end) : at_(at), end_(end) { skip_text(); }
        E& operator*() const { return at_->element(); }
        E* operator->() const { return &at_->element(); }
        iterator& operator++() {
            ++at_;
            skip_text();
            return *this;
        }
        iterator operator++(int) {
            iterator before = *this;
            ++*this;
            return before;
        }
        bool operator==(const iterator& other) const { return at_ == other.at_; }

    private:
        void skip_text() {
            while (at_ != end_ && !at_->is_element()) ++at_;
        }
        NodeIt at_{}, end_{};
    };

    ChildElements(NodeIt begin, NodeIt end) : begin_(begin, end), end_(end, end) {}
    iterator begin() const { return begin_; }
    iterator end() const { return end_; }
    bool empty() const { return begin_ == end_; }
    size_t size() const { return static_cast<size_t>(std::distance(begin_, end_)); }

private:
    iterator begin_, end_;
};

class Element {
public:
    Element() = default;
    explicit Element(std::string_view name, std::string_view ns = {});

    const std::string& name() const { return name_; }
    const std::string& ns() const { return ns_; }
    void set_name(std::string name) { name_ = std::move(name); }
    void set_ns(std::string ns) { ns_ = std::move(ns); }
    bool is(std::string_view name, std::string_view ns) const {
        return name_ == name && ns_ == ns;
    }

    // Attributes ---------------------------------------------------------
    const std::vector<Attribute>& attrs() const { return attrs_; }
    const std::string* find_attr(std::string_view name) const;
    // The attribute's value, or `fallback` when absent.
    std::string_view attr(std::string_view name, std::string_view fallback = {}) const;
    bool has_attr(std::string_view name) const { return find_attr(name) != nullptr; }
    Element& set_attr(std::string_view name, std::string_view value);
    Element& set_attr(Attribute attribute);
    bool remove_attr(std::string_view name);
    void reserve_attrs(size_t n) { attrs_.reserve(n); }

    // Children -----------------------------------------------------------
    const std::vector<Node>& children() const { return children_; }
    std::vector<Node>& children() { return children_; }
    bool empty() const { return children_.empty(); }

    // Appends a child and returns a reference to it (valid until the next
    // change to this element's children).
    Element& add_child(Element child);
    // Appends a child element; an empty `ns` inherits this element's namespace.
    Element& add(std::string_view name, std::string_view ns = {});
    Element& add_text(std::string_view text);
    // Appends <name>text</name> in this element's namespace.
    Element& add_text_child(std::string_view name, std::string_view text);

    // First child element with this name and namespace (any namespace if `ns`
    // is empty), or nullptr.
    const Element* child(std::string_view name, std::string_view ns = {}) const;
    Element* child(std::string_view name, std::string_view ns = {});
    // First child element in namespace `ns`, whatever its name.
    const Element* child_in(std::string_view ns) const;
    // First child element, whatever it is.
    const Element* first_element() const;
    Element* first_element();

    size_t remove_children(std::string_view name, std::string_view ns = {});
    void clear_children();

    // Concatenated character data of this element's direct text children.
    std::string text() const;
    // Text of the first matching child, or empty.
    std::string child_text(std::string_view name, std::string_view ns = {}) const;

    // The element children only, in order.
    auto elements() const;
    auto elements();

    // Approximate heap footprint, for limits and accounting.
    size_t weight() const;

    bool operator==(const Element& other) const;

private:
    std::string name_;
    std::string ns_;
    std::vector<Attribute> attrs_;
    std::vector<Node> children_;
};

struct Node {
    std::variant<Element, std::string> value;

    bool is_element() const { return value.index() == 0; }
    bool is_text() const { return value.index() == 1; }
    const Element& element() const { return std::get<0>(value); }
    Element& element() { return std::get<0>(value); }
    const std::string& text() const { return std::get<1>(value); }
    std::string& text() { return std::get<1>(value); }
    bool operator==(const Node& other) const = default;
};

// Defined once Node is complete: clang instantiates what a member's body
// uses of std::vector<Node> where the body stands.
inline Element::Element(std::string_view name, std::string_view ns) : name_(name), ns_(ns) {}

inline void Element::clear_children() {
    children_.clear();
}

inline auto Element::elements() const {
    return ChildElements<std::vector<Node>::const_iterator, const Element>(children_.begin(),
                                                                           children_.end());
}

inline auto Element::elements() {
    return ChildElements<std::vector<Node>::iterator, Element>(children_.begin(), children_.end());
}

}  // namespace jng::xml
