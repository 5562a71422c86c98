// Hash maps keyed by std::string that can be searched with a string_view
// without building a temporary string (C++20 heterogeneous lookup).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace jng {

// Not noexcept on purpose: libstdc++ then keeps each key's hash in its node,
// as it does for std::hash<std::string>. A lookup compares hashes before
// keys and finds a bucket's end without hashing its neighbours' keys again;
// keys like "user1234@example.com" share a length, so each neighbour cost a
// memcmp and a hash over a string outside the node.
struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

}  // namespace jng
