// JIDs per RFC 7622: parsed once, normalized with the stringprep profiles
// (nodeprep, nameprep, resourceprep) and compared in normalized form.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "result.hpp"

namespace jng {

class Jid {
public:
    static constexpr size_t kMaxPartBytes = 1023;  // RFC 7622 §3.2-3.4

    Jid() = default;

    // Parses and normalizes "node@domain/resource"; the error says why not.
    static Result<Jid> parse(std::string_view text);
    // Builds from parts, each normalized; an empty node/resource means none.
    static Result<Jid> make(std::string_view node, std::string_view domain,
                            std::string_view resource = {});

    const std::string& node() const { return node_; }
    const std::string& domain() const { return domain_; }
    const std::string& resource() const { return resource_; }
    bool has_node() const { return !node_.empty(); }
    bool has_resource() const { return !resource_.empty(); }
    bool is_bare() const { return resource_.empty(); }
    bool is_domain() const { return node_.empty() && resource_.empty(); }
    bool empty() const { return domain_.empty(); }

    Jid bare() const;
    Jid domain_jid() const;
    Jid with_resource(std::string resource) const;  // resource must be normalized already

    const std::string& str() const { return full_; }
    std::string bare_str() const;
    operator std::string_view() const { return full_; }

    bool operator==(const Jid& other) const { return full_ == other.full_; }
    bool operator<(const Jid& other) const { return full_ < other.full_; }

private:
    Jid(std::string node, std::string domain, std::string resource);

    std::string node_;
    std::string domain_;
    std::string resource_;
    std::string full_;
};

namespace jid {
// The individual profiles, for code that handles one part (a username, a
// resource chosen by a client).
Result<std::string> nodeprep(std::string_view node);
Result<std::string> nameprep(std::string_view domain);
Result<std::string> resourceprep(std::string_view resource);
}  // namespace jid

}  // namespace jng

template <>
struct std::hash<jng::Jid> {
    size_t operator()(const jng::Jid& j) const noexcept { return std::hash<std::string>{}(j.str()); }
};
