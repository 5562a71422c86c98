// Which component holds which name, and who gets a stanza for a name. A name
// held by several components (session managers sharing a domain) is
// resolved per user on a consistent hash ring.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hash_ring.hpp"
#include "result.hpp"
#include "string_map.hpp"

namespace jng::router {

using ConnId = uint64_t;

class RoutingTable {
public:
    // Binds `name` to the component `holder` (its primary name) on connection
    // `id`. Errors: "conflict" when the name is held and not shared by all.
    Status bind(std::string_view name, ConnId id, std::string_view holder, bool multi);
    void unbind(std::string_view name, ConnId id);

    Status bind_default(ConnId id);
    void unbind_default(ConnId id);
    std::optional<ConnId> default_route() const { return default_; }

    bool held(std::string_view name) const { return names_.find(name) != names_.end(); }
    bool held_by(std::string_view name, ConnId id) const;

    // The connection for `name`, choosing by `key` when shared; nullopt when
    // nobody holds it (the caller falls back to the default route).
    std::optional<ConnId> resolve(std::string_view name, std::string_view key) const;

    struct Holder {
        ConnId id;
        std::string component;
    };
    const std::vector<Holder>* holders(std::string_view name) const;

private:
    struct Entry {
        std::vector<Holder> holders;
        bool multi = false;
        HashRing ring;
    };
    StringMap<Entry> names_;
    std::optional<ConnId> default_;
};

}  // namespace jng::router
