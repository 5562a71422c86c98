// XML configuration files: parsed once into a tree that remembers where each
// element came from, read through typed getters with defaults and bounds.
// Every error names file and line; settings nobody asked for are errors too,
// so a typo is refused at start instead of silently ignored.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace jng::config {

struct Node {
    std::string name;
    std::vector<std::pair<std::string, std::string>> attrs;
    std::string text;  // character data, trimmed
    int line = 0;
    std::vector<std::unique_ptr<Node>> children;

    const Node* child(std::string_view name) const;
    std::vector<const Node*> children_named(std::string_view name) const;
    const std::string* attr(std::string_view name) const;
};

class Document {
public:
    static Result<Document> load(const std::string& path);
    static Result<Document> parse(std::string_view text, std::string source_name);

    const Node& root() const { return *root_; }
    const std::string& source() const { return source_; }
    std::string where(const Node& node) const;  // "file:line"

private:
    std::string source_;
    std::unique_ptr<Node> root_;
};

// Reads settings out of a Document by path ("local/port", "storage/sqlite/path";
// "tls@required" for an attribute). Getters return the default when the
// setting is absent and record an error (file:line: reason) when it is
// present but wrong; check ok() once at the end.
class Reader {
public:
    explicit Reader(const Document& doc) : doc_(doc) {}

    std::string string(std::string_view path, std::string_view fallback = {});
    std::optional<std::string> optional_string(std::string_view path);
    std::string required_string(std::string_view path);
    int64_t integer(std::string_view path, int64_t fallback, int64_t min, int64_t max);
    bool boolean(std::string_view path, bool fallback);
    // One of `choices`.
    std::string choice(std::string_view path, std::string_view fallback,
                       const std::vector<std::string_view>& choices);

    // The elements at `path` (e.g. "local/id"), each marked as read; use
    // `at(node)` to read settings inside one of them.
    std::vector<const Node*> all(std::string_view path);
    const Node* node(std::string_view path);
    Reader at(const Node& base);

    // Marks a whole subtree as read (free-form content a later stage parses).
    void consume(const Node& node);

    void error(const Node& node, std::string_view message);
    void error(std::string_view message);

    // Records an error for every element and attribute nobody read.
    void reject_unknown();

    bool ok() const { return errors_->empty(); }
    const std::vector<std::string>& errors() const { return *errors_; }
    const Document& document() const { return doc_; }

private:
    Reader(const Document& doc, const Node* base, std::shared_ptr<std::vector<std::string>> errors,
           std::shared_ptr<std::set<const void*>> seen)
        : doc_(doc), base_(base), errors_(std::move(errors)), seen_(std::move(seen)) {}

    struct Found {
        const Node* node = nullptr;
        const std::string* attr = nullptr;
        const std::string* value = nullptr;
    };
    Found find(std::string_view path);

    const Document& doc_;
    const Node* base_ = nullptr;  // null: the root
    std::shared_ptr<std::vector<std::string>> errors_ = std::make_shared<std::vector<std::string>>();
    std::shared_ptr<std::set<const void*>> seen_ = std::make_shared<std::set<const void*>>();
};

}  // namespace jng::config
